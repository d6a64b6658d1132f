#!/usr/bin/python3
"""Sends G.711 µ-law on the ONVIF audio backchannel with GStreamer's rtspsrc.

Usage: gst_backchannel.py URL FILE tcp|udp [DONE]

rtspsrc (backchannel=onvif) sends "Require: www.onvif.org/ver20/backchannel",
sets up every stream of the description, and this program pushes FILE, cut in
20 ms RTP packets (PCMU, payload type 0), into the stream the server marked
a=sendonly, through rtspsrc's push-backchannel-sample action signal, paced in
real time; then it tears the session down: at once, or, given DONE, once a
file of that name exists (the test creates it when every byte has arrived:
a busy machine may take a while to send the last packets, and the
TEARDOWN would otherwise overtake them). gst-launch cannot push samples,
hence this small program (the conformance suite runs it with Debian's
python3-gi and gir1.2-gstreamer-1.0). It prints how many packets went out and
exits 0, or prints why and exits 1.
"""
import os
import struct
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


# Samples handed to rtspsrc, kept alive until os._exit (see main).
KEEP = []


def main():
    url, path, proto = sys.argv[1], sys.argv[2], sys.argv[3]
    done = sys.argv[4] if len(sys.argv) > 4 else None
    Gst.init(None)
    with open(path, "rb") as f:
        data = f.read()
    pipe = Gst.Pipeline()
    src = Gst.ElementFactory.make("rtspsrc")
    src.set_property("location", url)
    src.set_property("backchannel", "onvif")
    src.set_property("protocols", proto)
    src.set_property("latency", 0)
    pipe.add(src)
    back = {"id": None, "caps": None}

    def select_stream(_el, idx, caps):
        if caps.get_structure(0).has_field("a-sendonly"):
            back["id"], back["caps"] = idx, caps
        return True

    def pad_added(_el, pad):
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    src.connect("select-stream", select_stream)
    src.connect("pad-added", pad_added)
    pipe.set_state(Gst.State.PLAYING)
    bus = pipe.get_bus()
    packets = []
    seq, ts = 1, 0
    for off in range(0, len(data) - 159, 160):
        packets.append(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts, 0x0BAC0BAC) + data[off:off + 160])
        seq, ts = seq + 1, ts + 160
    # rtspsrc is live: the pipeline plays before the session is set up.
    # The first packet is pushed again until rtspsrc takes it (after PLAY).
    deadline = time.monotonic() + 30
    sent = 0
    while sent < len(packets):
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg is not None:
            err, dbg = msg.parse_error()
            print("error:", err.message, dbg, file=sys.stderr)
            return 1
        if back["id"] is not None:
            sample = Gst.Sample.new(Gst.Buffer.new_wrapped(packets[sent]), back["caps"], None, None)
            # The signal takes the sample over (transfer full) while
            # PyGObject would drop its own reference too: the wrapper is
            # kept until the process ends (os._exit, no collection), so
            # the sample is freed once, by rtspsrc.
            KEEP.append(sample)
            if src.emit("push-backchannel-sample", back["id"], sample) == Gst.FlowReturn.OK:
                sent += 1
                time.sleep(0.02)
                continue
        if sent > 0 or time.monotonic() > deadline:
            print("the backchannel refused packet %d (stream %s)" % (sent, back["id"]), file=sys.stderr)
            return 1
        time.sleep(0.05)
    time.sleep(0.5)
    deadline = time.monotonic() + 60
    while done is not None and not os.path.exists(done) and time.monotonic() < deadline:
        time.sleep(0.05)
    pipe.set_state(Gst.State.NULL)
    print(sent)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
