// Package slapdtest starts a private OpenLDAP slapd for tests: its own
// configuration and database in a temporary folder, a plain (StartTLS) and an
// ldaps listener on loopback ports, a CA and server certificate made at start,
// and example.com's users and groups loaded through ldapadd so that the
// memberof overlay fills memberOf.
package slapdtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Well-known names of the test directory.
const (
	BaseDN          = "dc=example,dc=com"
	AdminDN         = "cn=admin,dc=example,dc=com"
	AdminPassword   = "admin-secret"
	ServiceDN       = "cn=tessera,ou=services,dc=example,dc=com"
	ServicePassword = "service-secret"
	PeopleDN        = "ou=people,dc=example,dc=com"
	GroupsDN        = "ou=groups,dc=example,dc=com"
	OpsGroup        = "cn=ops,ou=groups,dc=example,dc=com"   // ada
	DevGroup        = "cn=dev,ou=groups,dc=example,dc=com"   // ada, ben
	StaffGroup      = "cn=staff,ou=groups,dc=example,dc=com" // ada, ben, val
	SalesGroup      = "cn=sales,ou=groups,dc=example,dc=com" // nora (not mapped in tests)
)

// Password of each test user (uid → password).
var Passwords = map[string]string{
	"ada": "ada-pass", "ben": "ben-pass", "val": "val-pass", "nora": "nora-pass",
}

// Server is a running slapd.
type Server struct {
	Dir    string
	URL    string // ldap://127.0.0.1:PORT (StartTLS available)
	TLSURL string // ldaps://127.0.0.1:PORT
	// CAPEM is the CA that signed the server's certificate.
	CAPEM string
	cmd   *exec.Cmd
}

// Start starts slapd and loads the test entries. Call Stop when done.
func Start() (*Server, error) {
	dir, err := os.MkdirTemp("", "slapdtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir}
	if err := s.start(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// MustStart starts slapd for one test and stops it at the end.
func MustStart(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) start() error {
	if _, err := os.Stat("/usr/sbin/slapd"); err != nil {
		return fmt.Errorf("slapd is not installed: run scripts/test-deps.sh (apt-get install slapd ldap-utils)")
	}
	caPEM, certPEM, keyPEM, err := makeCerts()
	if err != nil {
		return err
	}
	s.CAPEM = string(caPEM)
	files := map[string][]byte{"ca.pem": caPEM, "cert.pem": certPEM, "key.pem": keyPEM}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, name), b, 0o600); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "db"), 0o700); err != nil {
		return err
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile %[1]s/slapd.pid
argsfile %[1]s/slapd.args
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/cert.pem
TLSCertificateKeyFile %[1]s/key.pem
database mdb
maxsize 33554432
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/db
overlay memberof
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
`, s.Dir, BaseDN, AdminDN, AdminPassword)
	if err := os.WriteFile(filepath.Join(s.Dir, "slapd.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	port, tlsPort, err := freePorts()
	if err != nil {
		return err
	}
	s.URL = "ldap://127.0.0.1:" + strconv.Itoa(port)
	s.TLSURL = "ldaps://127.0.0.1:" + strconv.Itoa(tlsPort)
	logf, err := os.Create(filepath.Join(s.Dir, "slapd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	if err := s.run(logf); err != nil {
		return err
	}
	return s.Add(seedLDIF)
}

// run starts the slapd process and waits until it accepts connections.
func (s *Server) run(logf *os.File) error {
	// -d 0 keeps slapd in the foreground as our child, so it dies with us.
	s.cmd = exec.Command("/usr/sbin/slapd", "-d", "0", "-f", filepath.Join(s.Dir, "slapd.conf"), "-h", s.URL+"/ "+s.TLSURL+"/")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start slapd: %w", err)
	}
	addr := strings.TrimPrefix(s.URL, "ldap://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.Dir, "slapd.log"))
			return fmt.Errorf("slapd did not start: %s", log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart stops slapd and starts it again on the same ports with the same
// data: every open connection to it is cut.
func (s *Server) Restart() error {
	s.stopProcess()
	logf, err := os.OpenFile(filepath.Join(s.Dir, "slapd.log"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	return s.run(logf)
}

// Stop stops slapd and removes its folder.
func (s *Server) Stop() {
	s.stopProcess()
	_ = os.RemoveAll(s.Dir)
}

func (s *Server) stopProcess() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
		s.cmd = nil
	}
}

// Add loads LDIF entries as the directory's admin (ldapadd).
func (s *Server) Add(ldif string) error { return s.ldap("ldapadd", ldif) }

// Modify applies an LDIF change set as the directory's admin (ldapmodify),
// e.g. to take a user out of a group or delete them.
func (s *Server) Modify(ldif string) error { return s.ldap("ldapmodify", ldif) }

func (s *Server) ldap(tool, ldif string) error {
	cmd := exec.Command(tool, "-x", "-H", s.URL, "-D", AdminDN, "-w", AdminPassword)
	cmd.Stdin = strings.NewReader(ldif)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", tool, err, out.String())
	}
	return nil
}

// UserDN is the DN of a test user.
func UserDN(uid string) string { return "uid=" + uid + "," + PeopleDN }

const seedLDIF = `dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=example,dc=com
objectClass: organizationalUnit
ou: groups

dn: ou=services,dc=example,dc=com
objectClass: organizationalUnit
ou: services

dn: cn=tessera,ou=services,dc=example,dc=com
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: tessera
userPassword: service-secret

dn: uid=ada,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: ada
cn: Ada Lovelace
sn: Lovelace
mail: ada@example.com
userPassword: ada-pass

dn: uid=ben,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: ben
cn: Ben Builder
sn: Builder
mail: ben@example.com
userPassword: ben-pass

dn: uid=val,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: val
cn: Val Viewer
sn: Viewer
mail: val@example.com
userPassword: val-pass

dn: uid=nora,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: nora
cn: Nora Nogroup
sn: Nogroup
userPassword: nora-pass

dn: cn=ops,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: ops
member: uid=ada,ou=people,dc=example,dc=com

dn: cn=dev,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: dev
member: uid=ada,ou=people,dc=example,dc=com
member: uid=ben,ou=people,dc=example,dc=com

dn: cn=staff,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: staff
member: uid=ada,ou=people,dc=example,dc=com
member: uid=ben,ou=people,dc=example,dc=com
member: uid=val,ou=people,dc=example,dc=com

dn: cn=sales,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: sales
member: uid=nora,ou=people,dc=example,dc=com

dn: cn=unique-dev,ou=groups,dc=example,dc=com
objectClass: groupOfUniqueNames
cn: unique-dev
uniqueMember: uid=ben,ou=people,dc=example,dc=com

dn: cn=posix-dev,ou=groups,dc=example,dc=com
objectClass: posixGroup
cn: posix-dev
gidNumber: 5001
memberUid: ben
`

func freePorts() (int, int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports[0], ports[1], nil
}

// makeCerts returns a CA and a server certificate for 127.0.0.1 and localhost.
func makeCerts() (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "slapdtest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// TLSConfig returns a fresh CA (PEM) and a server TLS configuration with a
// certificate it signed for 127.0.0.1 and localhost, for fake servers in tests.
func TLSConfig() (caPEM string, cfg *tls.Config, err error) {
	ca, cert, key, err := makeCerts()
	if err != nil {
		return "", nil, err
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return "", nil, err
	}
	return string(ca), &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
