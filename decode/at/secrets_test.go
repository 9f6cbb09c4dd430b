package at

import (
	"strings"
	"testing"
)

func TestCommandSecrets(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string // what=value
	}{
		{`AT+ECMTCONN=0,"dev","user","pw1234"`, []string{"password=pw1234"}},
		{`AT+ECMTCONN=0,"dev"`, nil},
		{`AT+ECMTCFG="aliauth",0,"pk","dn","ds-secret"`, []string{"device secret=ds-secret"}},
		{`AT+ECMTCFG="ssl",0,"psk","k3y","id"`, []string{"PSK=k3y", "PSK=id"}},
		{`AT+ECMTCFG="keepalive",0,60`, nil},
		{`AT+QMTCFG="aliauth",0,"pk","dn","qsecret"`, []string{"device secret=qsecret"}},
		{`+QMTCFG: "aliauth",0,"pk","dn","qsecret"`, []string{"device secret=qsecret"}},
		{`AT+QSSLCFG="psk",2,"k","i"`, []string{"PSK=k", "PSK=i"}},
		{`AT+QSSLCFG="cacert",2,"UFS:ca.pem"`, nil},
		{`AT+CMQTTCONNECT=0,"tcp://h:1883",60,1,"u","sas"`, []string{"password=sas"}},
		{`AT+MQTTUSERCFG=0,1,"id\,x","u","p\"w",0,0,""`, []string{`password=p"w`}},
		{`AT+MQTTPASSWORD=0,"long"`, []string{"password=long"}},
		{`AT+CIPSSLCPSK="psk","hint"`, []string{"PSK=psk", "PSK=hint"}},
		{`AT+MCONFIG="c","u","lp"`, []string{"password=lp"}},
		{`AT+SMCONF="PASSWORD","smpw"`, []string{"password=smpw"}},
		{`AT+QMTCONN?`, nil},
		{`OK`, nil},
	} {
		var got []string
		for _, s := range CommandSecrets(c.line) {
			got = append(got, s.What+"="+s.Value)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %q, want %q", c.line, got, c.want)
		}
	}
}

func TestMasker(t *testing.T) {
	var m Masker
	if m.Mask("x") != "x" || !m.Empty() {
		t.Fatal("zero masker changes text")
	}
	tx := &Transaction{Command: `AT+MQTTUSERCFG=0,1,"id","u","p\"assword",0,0,""`, Args: map[string]string{ArgPassword: `p"assword`, ArgUsername: "u"},
		Responses: []string{`+MQTTUSERCFG: 0,1,"id","u","p\"assword",0,0,""`},
		Warnings:  []Warning{{Code: "length", Message: `password "p\"assword" is long`, Fix: `AT+MQTTPASSWORD=0,"p\"assword"`}}}
	m.AddTransaction(tx)
	m.MaskTransaction(tx)
	all := tx.Command + tx.Args[ArgPassword] + strings.Join(tx.Responses, "") + tx.Warnings[0].Message + tx.Warnings[0].Fix
	if strings.Contains(all, `p"ass`) || strings.Contains(all, `p\"ass`) || !strings.Contains(tx.Command, `"<password: 9 bytes>"`) || tx.Args[ArgPassword] != "<password: 9 bytes>" || tx.Args[ArgUsername] != "u" {
		t.Errorf("masked: %+v", tx)
	}
	// A prefix the module sent (cut by its buffer) is masked too.
	m.Add(Secret{What: SecretPassword, Value: "long-secret"})
	m.Add(Secret{What: SecretPassword, Value: "long-secret-and-more"})
	if got := m.Mask("sent long-secret, typed long-secret-and-more"); strings.Contains(got, "secret") {
		t.Errorf("masked %q", got)
	}
}
