package mqtt

// Builders for raw packets in tests: each returns wire bytes, so tables
// read like the spec's field lists.

func varint(v int) []byte {
	var out []byte
	for {
		c := byte(v % 128)
		v /= 128
		if v > 0 {
			c |= 0x80
		}
		out = append(out, c)
		if v == 0 {
			return out
		}
	}
}

// pkt builds a packet from its first byte and body parts.
func pkt(first byte, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	out := append([]byte{first}, varint(len(body))...)
	return append(out, body...)
}

func s16(s string) []byte { return append(u16(len(s)), s...) }

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func u32(v int) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func raw(b ...byte) []byte { return b }

// props builds a 5.0 property block (length + properties).
func props(items ...[]byte) []byte {
	var body []byte
	for _, it := range items {
		body = append(body, it...)
	}
	return append(varint(len(body)), body...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
