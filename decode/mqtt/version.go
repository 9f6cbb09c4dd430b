package mqtt

// inferVersion guesses the protocol version of a packet other than CONNECT
// from its shape, for packets seen without their connection's CONNECT
// (capture started mid-connection). It returns VersionUnknown when every
// version lays the packet out the same way (PINGREQ, a 2-byte PUBACK, an
// empty DISCONNECT). confident says the shape rules the other versions out,
// so a Conn may keep the answer for the rest of the connection.
//
// 3.1 and 3.1.1 are indistinguishable after the CONNECT; 3.x guesses are
// reported as 3.1.1.
func inferVersion(b []byte, t Type, hdrLen int) (v byte, confident bool) {
	bodyLen := len(b) - hdrLen
	switch t {
	case CONNACK:
		// 3.x: flags + return code, exactly 2 bytes; 5.0 adds a property
		// length, so at least 3.
		if bodyLen <= 2 {
			return Version311, true
		}
		if cleanAs(b, Version5) {
			return Version5, true
		}
		return Version311, false
	case PUBACK, PUBREC, PUBREL, PUBCOMP:
		// A bare packet identifier is valid in every version; anything more
		// is a 5.0 reason code.
		if bodyLen <= 2 {
			return VersionUnknown, false
		}
		return Version5, cleanAs(b, Version5)
	case UNSUBACK:
		// 5.0 needs identifier + property length + at least one reason code.
		if bodyLen <= 2 {
			return Version311, true
		}
		return Version5, cleanAs(b, Version5)
	case DISCONNECT:
		if bodyLen == 0 {
			return VersionUnknown, false
		}
		return Version5, cleanAs(b, Version5)
	case AUTH:
		return Version5, true
	case PUBLISH, SUBSCRIBE, SUBACK, UNSUBSCRIBE:
		return compareShapes(b, t)
	}
	return VersionUnknown, false
}

// cleanAs says whether b decodes under version v without error or violation.
func cleanAs(b []byte, v byte) bool {
	p, _, err := decode(b, v, false)
	return err == nil && len(p.Violations) == 0
}

// compareShapes decodes b both as 3.1.1 and as 5.0 and keeps the reading
// that fits better. 5.0 inserts a property length (and properties) after
// the variable header, so a 3.x packet read as 5.0 almost always fails or
// breaks a rule, and vice versa.
func compareShapes(b []byte, t Type) (byte, bool) {
	p5, _, err5 := decode(b, Version5, false)
	p3, _, err3 := decode(b, Version311, false)
	switch {
	case err5 != nil && err3 != nil:
		return Version311, false
	case err5 != nil:
		return Version311, true
	case err3 != nil:
		return Version5, true
	}
	n5, n3 := len(p5.Violations), len(p3.Violations)
	switch {
	case n5 < n3:
		return Version5, n5 == 0
	case n3 < n5:
		return Version311, n3 == 0
	}
	// Both readings are equally clean. A PUBLISH read as 5.0 with real
	// properties is very unlikely to be a 3.x payload by chance; otherwise
	// (typically an empty property block that could be a payload or SUBACK
	// code starting with 0x00) prefer 5.0 for PUBLISH, whose 3.x payloads
	// rarely start with 0x00, and 3.1.1 for the rest, without confidence.
	if t == PUBLISH {
		return Version5, len(p5.Properties) > 0
	}
	return Version311, false
}
