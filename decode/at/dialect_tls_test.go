package at

import (
	"strings"
	"testing"
)

func TestFixTLSProblemNamesTheSSLContext(t *testing.T) {
	before := []Transaction{{Name: "QMTCFG", Args: map[string]string{ArgOption: `"SSL"`, ArgConn: "0", "ssl_enable": "1", "ssl_ctx": "2"}}}
	fix := LookupDialect("qmt").FixTLSProblem("0", before, TLSClientCertMissing)
	if !strings.Contains(fix, `AT+QSSLCFG="clientcert",2,`) || !strings.Contains(fix, `"seclevel",2,2`) {
		t.Errorf("qmt fix: %s", fix)
	}
	if fix := LookupDialect("cmqtt").FixTLSProblem("0", nil, TLSNoSNI); !strings.Contains(fix, `AT+CSSLCFG="enableSNI",0,1`) {
		t.Errorf("cmqtt fix: %s", fix)
	}
	var plain *Dialect
	if fix := plain.FixTLSProblem("0", nil, TLSVersion); fix != genericTLSFixes[TLSVersion] {
		t.Errorf("plain AT fix: %s", fix)
	}
	for p := TLSServerUntrusted; p <= TLSHandshakeFailed; p++ {
		for _, d := range []string{"qmt", "cmqtt", "ecmt", "espat", "luat"} {
			if LookupDialect(d).FixTLSProblem("1", nil, p) == "" {
				t.Errorf("%s: no fix for problem %d", d, p)
			}
		}
	}
}
