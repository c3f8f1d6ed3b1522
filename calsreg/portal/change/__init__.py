"""Change (correction) requests on my page and on the portal: routes, forms, views."""
