"""The knowledge base on the telephone: a flow's ``faq`` node reads an
article's short answer to the caller (hotline/knowledge)."""
