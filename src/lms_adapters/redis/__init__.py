"""Redis adapters: state shared by every worker and instance."""
