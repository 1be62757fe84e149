"""The knowledge base pages (/knowledge, 知识库) and its API."""
