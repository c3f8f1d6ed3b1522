"""The application screens' views: the queue, the detail page, intake."""
