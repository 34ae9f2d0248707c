"""The hospital network: the hub and its alliance hospitals, by tier and province."""
