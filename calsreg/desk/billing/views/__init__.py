"""The billing agent's views: invoices, runs and aging (``invoices``); payments (``payments``)."""
