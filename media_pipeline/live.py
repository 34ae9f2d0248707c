"""The live ladder: one ffmpeg process turns a pushed stream into live HLS
(the source capped at 720p, 360p15, 240p15, audio only; 2 s segments) and a
recording for the replay (DESIGN §2.8).
"""
