"""The billing agent's screens: invoices, billing runs, receivables, payments, exports."""
