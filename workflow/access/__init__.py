"""Who is asking: API tokens (``tokens``) and what each principal may see (``visibility``)."""
