"""Forms of the staff pages, one module per area of views/."""
