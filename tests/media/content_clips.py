"""Generated recordings of each kind the content analysis tells apart (lavfi and
the app's own font, nothing downloaded), and OpenCV's real camera footage."""

import subprocess
from pathlib import Path

from media_pipeline.runner import generate_demo_recording

#: Real camera footage no one here made (scripts/setup.sh test installs opencv-doc).
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
#: The font the app itself needs (scripts/setup.sh: fonts-wqy-zenhei).
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def ffmpeg(*args):
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *args], check=True
    )


def make_slides(path):
    """Slides that change every 5 s with a moving speaker picture in a corner."""
    return generate_demo_recording(path, 12, width=640, height=360)


def make_grainy_camera(path):
    """A moving picture with grain that changes every frame."""
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30,noise=alls=20:allf=t+u"),
        *("-t", "12", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
        str(path),
    )
    return path


def make_screen(path):
    """A code editor: small text on white, a line typed every half second."""
    graph = (
        "color=c=white:s=1280x720:r=30,drawbox=x=0:y=0:w=1280:h=30:c=0x2b2b2b:t=fill"
    )
    for i in range(24):
        graph += (
            f",drawtext=fontfile={FONT}:fontsize=14:fontcolor=black:x=180:"
            f"y={44 + i * 18}:text='def step_{i}(x)\\: return x * {i} + len(str(x))':"
            f"enable='gte(t,{i}/2)'"
        )
    ffmpeg(
        *("-f", "lavfi", "-i", graph, "-t", "12"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)),
    )
    return path


def make_street_camera(path):
    """OpenCV's vtest.avi as it is: a street camera, 768x576 at 10 fps, MPEG-4."""
    assert VTEST.is_file(), "opencv-doc is missing: run scripts/setup.sh test"
    return VTEST
