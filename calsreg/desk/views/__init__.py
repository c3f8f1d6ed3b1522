"""The desk's views: parse input, call one flow, service or selector, render."""
