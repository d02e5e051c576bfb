"""Staffing models: Erlang B, Erlang C and Erlang A queues, required agents and patience (see ``erlang``)."""
