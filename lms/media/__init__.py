"""Serving published ladders to the people who may watch them."""
