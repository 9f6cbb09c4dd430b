package at

// Configuration state per connection index, from the configure commands
// (ECMTCFG/QMTCFG "version", "keepalive", "session", "will"; ESP-AT
// MQTTCONNCFG; Luat MCONFIG will) and from connect commands that carry it
// themselves (SIMCom CMQTTCONNECT keepalive + clean session, Luat
// MCONNECT clean session + keepalive), so a later step knows what the
// CONNECT should carry.

func (e *engine) confFor(t *Transaction) *ConnConfig {
	idx, _ := atoi(t.Args[ArgConn]) // absent (Luat, single connection): 0
	if idx < 0 || idx > 255 {
		// No module has such an index (the range check says so); do not
		// let hostile input grow the state.
		return &ConnConfig{}
	}
	c := e.config[idx]
	if c == nil {
		c = &ConnConfig{}
		e.config[idx] = c
	}
	return c
}

// applyConfig records what a configure command set.
func (e *engine) applyConfig(t *Transaction) {
	applyArgs(e.confFor(t), t.Args)
}

// connConfig is the configuration in force for a connect command, with
// what the command itself carries.
func (e *engine) connConfig(t *Transaction) *ConnConfig {
	c := *e.confFor(t)
	applyArgs(&c, t.Args)
	return &c
}

func applyArgs(c *ConnConfig, a map[string]string) {
	if v, ok := atoi(a[ArgVersion]); ok {
		c.Version = &v
	}
	if v, ok := atoi(a[ArgKeepAlive]); ok {
		c.KeepAlive = &v
	}
	if v, ok := atoi(a[ArgCleanSession]); ok {
		b := v != 0
		c.CleanSession = &b
	}
	// ESP-AT MQTTCONNCFG says the opposite: disable_clean_session.
	if v, ok := atoi(a["disable_clean_session"]); ok {
		b := v == 0
		c.CleanSession = &b
	}
	if v, ok := atoi(a["will_flag"]); ok && v == 0 {
		c.WillTopic, c.WillPayload, c.WillQoS, c.WillRetain = nil, nil, nil, nil
		return
	}
	if v, ok := a[ArgWillTopic]; ok {
		c.WillTopic = &v
	}
	if v, ok := a[ArgWillPayload]; ok {
		c.WillPayload = &v
	}
	if v, ok := atoi(a[ArgWillQoS]); ok {
		c.WillQoS = &v
	}
	if v, ok := atoi(a[ArgWillRetain]); ok {
		b := v != 0
		c.WillRetain = &b
	}
}

// snapshot copies the configuration state for Log.Config.
func (e *engine) snapshot() map[int]ConnConfig {
	if len(e.config) == 0 {
		return nil
	}
	out := make(map[int]ConnConfig, len(e.config))
	for k, v := range e.config {
		if *v != (ConnConfig{}) {
			out[k] = *v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
