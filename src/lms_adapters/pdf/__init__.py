"""PDF documents rendered with fpdf2, with Unicode fonts shipped in ``fonts/``."""
