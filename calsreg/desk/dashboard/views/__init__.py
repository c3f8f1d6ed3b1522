"""The dashboard's views (``dashboard``) and "my work" with assignment (``work``)."""
