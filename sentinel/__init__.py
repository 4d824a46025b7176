"""DeepSeek Sentinel."""
