#!/usr/bin/env python3
"""Regenerate the tshark golden files (*.tshark.tsv, *.tls.tsv) next to the
captures. Needs tshark (made with 4.0.17); the tests do not.

One row per MQTT PDU (tshark's -T fields joins several PDUs of a frame into
one row, which misaligns optional fields, so this reads -T json instead):
frame, tcp.stream, tcp.srcport, tcp.dstport, msgtype, ver, conack.val,
connack.reason_code, clientid, topic (PUBLISH/SUBSCRIBE/UNSUBSCRIBE, '|'
joined), qos (PUBLISH), msgid, len, expert (unknown_version/malformed)."""
import json, os, subprocess, sys

DECODE_AS = {"ndpi_coap_mqtt.pcap": "17501", "local_v5_features_port18830.pcap": "18830"}
TLS = ("local_mqtt_tls8883_nokeys.pcap", "local_mqtt_tls8883_with_keylog_dsb.pcapng")
# TLS captures carrying their keys (pcapng Decryption Secrets Block): tshark
# decrypts them, so they get an MQTT golden file too.
DECRYPTED = ("local_mqtt_tls8883_with_keylog_dsb.pcapng",)
here = os.path.dirname(os.path.abspath(__file__))

def flat(obj, out):
    """Collect every key of a tshark JSON tree (trees nest as *_tree)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                flat(v, out)
            else:
                out.setdefault(k, []).extend(v if isinstance(v, list) else [v])
    elif isinstance(obj, list):
        for x in obj:
            flat(x, out)
    return out

def one(f, k):
    v = f.get(k, [])
    return v[0] if v else ""

def mqtt_rows(name):
    cmd = ["tshark", "-r", os.path.join(here, name), "-Y", "mqtt", "-T", "json", "--no-duplicate-keys"]
    if name in DECODE_AS:
        cmd[3:3] = ["-d", "tcp.port==%s,mqtt" % DECODE_AS[name]]
    frames = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout or b"[]")
    rows = []
    for fr in frames:
        layers = fr["_source"]["layers"]
        num = layers["frame"]["frame.number"]
        tcp = layers.get("tcp", {})
        pdus = layers["mqtt"]
        if isinstance(pdus, dict):
            pdus = [pdus]
        for p in pdus:
            f = flat(p, {})
            msgtype = one(f, "mqtt.msgtype")
            expert = []
            if "mqtt.unknown_version" in json.dumps(p):
                expert.append("unknown_version")
            if "_ws.malformed" in json.dumps(p) or "_ws.malformed" in layers:
                expert.append("malformed")
            topics = f.get("mqtt.topic", [])
            qos = one(f, "mqtt.qos") if msgtype == "3" else ""
            rows.append([num, tcp.get("tcp.stream", ""), tcp.get("tcp.srcport", ""), tcp.get("tcp.dstport", ""),
                         msgtype, one(f, "mqtt.ver"), one(f, "mqtt.conack.val"), one(f, "mqtt.connack.reason_code"),
                         one(f, "mqtt.clientid"), "|".join(topics), qos, one(f, "mqtt.msgid"), one(f, "mqtt.len"),
                         ",".join(expert)])
    return rows

def tls_rows(name):
    out = subprocess.run(["tshark", "-r", os.path.join(here, name), "-o", "tls.keylog_file:",
                          "-Y", "tls.handshake.type==1 || tls.alert_message", "-T", "fields", "-E", "separator=/t",
                          "-e", "frame.number", "-e", "tls.handshake.extensions_server_name", "-e", "tls.alert_message.desc"],
                         capture_output=True, check=True).stdout.decode()
    return [l.split("\t") for l in out.splitlines()]

HEADER = "frame\tstream\tsrcport\tdstport\tmsgtype\tver\tconack_val\tconnack_reason\tclientid\ttopic\tqos\tmsgid\tlen\texpert"

for name in sorted(os.listdir(here)):
    if not name.endswith((".pcap", ".pcapng")):
        continue
    base = name.rsplit(".", 1)[0]
    if name in TLS:
        with open(os.path.join(here, base + ".tls.tsv"), "w") as w:
            w.write("# tshark -o tls.keylog_file: -Y 'tls.handshake.type==1 || tls.alert_message' (no keys: MQTT stays encrypted)\n")
            w.write("frame\tsni\talert\n")
            for r in tls_rows(name):
                w.write("\t".join(r) + "\n")
        if name not in DECRYPTED:
            continue
    with open(os.path.join(here, base + ".tshark.tsv"), "w") as w:
        w.write("# tshark 4.0.17 -Y mqtt%s, one row per MQTT PDU (make_golden.py)\n" %
                (" -d tcp.port==%s,mqtt" % DECODE_AS[name] if name in DECODE_AS else ""))
        w.write(HEADER + "\n")
        for r in mqtt_rows(name):
            w.write("\t".join(str(x).replace("\t", " ").replace("\n", "\\n") for x in r) + "\n")
