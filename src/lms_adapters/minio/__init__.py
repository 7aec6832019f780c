"""S3-protocol object storage (MinIO, or any S3-compatible service) through the ``minio`` client."""
