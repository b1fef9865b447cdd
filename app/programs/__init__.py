"""League programs (项目) that needs and sessions may belong to."""
