package modemsim

// Commands every module answers, whatever its MQTT dialect: V.250 basics
// and the 3GPP TS 27.007 queries hosts send before MQTT (attach, signal,
// SIM). The simulated modem is always registered and attached, so they
// answer as a healthy module would.

func (m *Module) handleCommon(cmd command) bool {
	switch cmd.Name {
	case "": // AT
		m.final("OK")
	case "E": // echo [V.250 6.2.4]
		switch cmd.Basic {
		case 0, -1:
			m.echo = false
		case 1:
			m.echo = true
		default:
			m.final("ERROR")
			return true
		}
		m.final("OK")
	case "V", "Q", "Z", "&F", "&W", "&D", "&C", "X":
		m.final("OK")
	case "I":
		m.info(m.identity()...)
		m.final("OK")
	case "+CGMI":
		m.info("atmq")
		m.final("OK")
	case "+CGMM":
		m.info(m.identity()[0])
		m.final("OK")
	case "+CGMR", "+GMR":
		m.info("atmq-modemsim 1.0")
		m.final("OK")
	case "+CGSN", "+GSN":
		m.info("860000000000001")
		m.final("OK")
	case "+CIMI":
		m.info("001010000000001")
		m.final("OK")
	case "+CCID", "+QCCID", "+ICCID":
		m.info(cmd.Name + ": 89860000000000000001")
		m.final("OK")
	case "+CPIN":
		m.readOnly(cmd, "+CPIN: READY")
	case "+CSQ":
		m.info("+CSQ: 24,99")
		m.final("OK")
	case "+CGATT":
		m.readOrSet(cmd, "+CGATT: 1")
	case "+CFUN":
		m.readOrSet(cmd, "+CFUN: 1")
	case "+CEREG":
		m.readOrSet(cmd, "+CEREG: 0,1")
	case "+CGREG":
		m.readOrSet(cmd, "+CGREG: 0,1")
	case "+CREG":
		m.readOrSet(cmd, "+CREG: 0,1")
	case "+CMEE", "+CGDCONT", "+CGACT", "+QIACT", "+CNMI", "+CSCS", "+IPR", "+CWMODE", "+CWJAP", "+CIPMUX", "+SYSLOG", "+NETOPEN":
		// Configuration the simulator does not model: accepted.
		m.final("OK")
	case "+CGPADDR":
		m.info("+CGPADDR: 1,\"10.0.0.2\"")
		m.final("OK")
	default:
		return false
	}
	return true
}

func (m *Module) identity() []string {
	switch m.opts.Dialect {
	case DialectECMT:
		return []string{"EC616S-SIM", "Revision: atmq-modemsim"}
	case DialectQMT:
		return []string{"Quectel-SIM", "EC200-SIM", "Revision: atmq-modemsim"}
	case DialectCMQTT:
		return []string{"SIMCOM_SIM7600-SIM", "Revision: atmq-modemsim"}
	}
	return []string{"ESP32-AT-SIM", "Revision: atmq-modemsim"}
}

func (m *Module) readOnly(cmd command, value string) {
	if cmd.Kind == kindRead || cmd.Kind == kindExec {
		m.info(value)
	}
	m.final("OK")
}

func (m *Module) readOrSet(cmd command, value string) {
	if cmd.Kind == kindRead {
		m.info(value)
	}
	m.final("OK")
}
