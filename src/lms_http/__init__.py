"""The HTTP API: Litestar controllers, msgspec DTOs and the composition root."""
