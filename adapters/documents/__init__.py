"""Documents the function makes itself (a quotation as PDF)."""
