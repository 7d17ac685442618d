// Package ldap logs tenants' users in through their own LDAP directories
// (go-ldap): it searches the user with the tenant's service account, binds as
// the user, reads the groups and keeps the local user record in step.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"tessera/domain"
)

// Timeouts bound every step, so a hanging server never hangs a log-in.
type Timeouts struct {
	Dial    time.Duration // TCP connect and TLS handshake, per URL
	Request time.Duration // each bind or search
	Total   time.Duration // a whole log-in
}

// DefaultTimeouts are short: a directory on the customer's network answers
// in milliseconds or is down.
var DefaultTimeouts = Timeouts{Dial: 3 * time.Second, Request: 5 * time.Second, Total: 10 * time.Second}

func (t Timeouts) orDefault() Timeouts {
	if t.Dial <= 0 {
		t.Dial = DefaultTimeouts.Dial
	}
	if t.Request <= 0 {
		t.Request = DefaultTimeouts.Request
	}
	if t.Total <= 0 {
		t.Total = DefaultTimeouts.Total
	}
	return t
}

// dialError says which URL failed and why, in words for the settings page.
type dialError struct {
	URL    string
	Reason string // "unreachable" or "tls"
	Err    error
}

func (e *dialError) Error() string { return e.URL + ": " + e.Err.Error() }
func (e *dialError) Unwrap() error { return e.Err }

// message explains the failure to an admin.
func (e *dialError) message() string {
	if e.Reason == "tls" {
		return fmt.Sprintf("TLS certificate not trusted: %s presented a certificate that %s. Paste the CA certificate that signed it.", e.URL, tlsReason(e.Err))
	}
	return fmt.Sprintf("Server unreachable: %s did not answer (%s).", e.URL, netReason(e.Err))
}

func tlsReason(err error) string {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return "is signed by an authority Tessera does not trust"
	case errors.As(err, &hn):
		return "is not valid for this host name (" + hn.Error() + ")"
	case errors.As(err, &inv):
		return "is not valid (" + inv.Error() + ")"
	case strings.Contains(err.Error(), "unknown authority"):
		// go-ldap's StartTLS keeps only the text of the handshake error.
		return "is signed by an authority Tessera does not trust"
	case strings.Contains(err.Error(), "not valid for"):
		return "is not valid for this host name"
	}
	return "could not be verified"
}

func netReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() || strings.Contains(err.Error(), "timed out"):
		return "timed out"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "unknown host name"
	}
	return "network error"
}

func isTLSError(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var inv x509.CertificateInvalidError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &inv) || errors.As(err, &cv) {
		return true
	}
	// go-ldap's StartTLS keeps only the text of the handshake error.
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake failed") && (strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate"))
}

// tlsConfig trusts d's CA (or the system's when none is given) for host.
func tlsConfig(d *domain.Directory, host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if d.CACertPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(d.CACertPEM)) {
			return nil, domain.Invalid(map[string]string{"ca_pem": "The CA certificate cannot be read."})
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// dialOne connects to one URL, upgrading ldap:// with StartTLS when asked.
// The connection closes when ctx ends, so no step can hang past it.
func dialOne(ctx context.Context, d *domain.Directory, raw string, t Timeouts) (*ldap.Conn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &dialError{URL: raw, Reason: "unreachable", Err: err}
	}
	tc, err := tlsConfig(d, u.Hostname())
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, t.Dial)
	defer cancel()
	dialer := &net.Dialer{Timeout: t.Dial}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "ldaps" {
			host = net.JoinHostPort(u.Hostname(), "636")
		} else {
			host = net.JoinHostPort(u.Hostname(), "389")
		}
	}
	nc, err := dialer.DialContext(dctx, "tcp", host)
	if err != nil {
		return nil, &dialError{URL: raw, Reason: "unreachable", Err: err}
	}
	isTLS := false
	if u.Scheme == "ldaps" {
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(dctx); err != nil {
			nc.Close()
			if isTLSError(err) {
				return nil, &dialError{URL: raw, Reason: "tls", Err: err}
			}
			return nil, &dialError{URL: raw, Reason: "unreachable", Err: err}
		}
		nc, isTLS = tlsConn, true
	}
	c := ldap.NewConn(nc, isTLS)
	c.Start()
	c.SetTimeout(t.Request)
	if u.Scheme == "ldap" && d.StartTLS {
		// StartTLS's handshake has no deadline of its own: close on timeout.
		stop := context.AfterFunc(dctx, func() { c.Close() })
		err := c.StartTLS(tc)
		stop()
		if err != nil {
			c.Close()
			if isTLSError(err) {
				return nil, &dialError{URL: raw, Reason: "tls", Err: err}
			}
			if dctx.Err() != nil {
				err = context.DeadlineExceeded
			}
			return nil, &dialError{URL: raw, Reason: "unreachable", Err: err}
		}
	}
	return c, nil
}

// dial tries d's URLs in order and returns the first that connects.
func dial(ctx context.Context, d *domain.Directory, t Timeouts) (*ldap.Conn, error) {
	var errs []error
	for _, raw := range d.URLs {
		c, err := dialOne(ctx, d, raw, t)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "No directory server is configured.")
	}
	return nil, &domain.Error{Code: domain.EUNAVAILABLE, Message: "The directory cannot be reached. Try again in a minute, or ask your administrator.", Err: errors.Join(errs...)}
}

// pool keeps connections bound as one directory's service account, so a
// log-in does not pay for a TCP connect, a TLS handshake and a bind.
type pool struct {
	key  string
	mu   sync.Mutex
	idle []*ldap.Conn
	max  int
	// closed: the settings changed or the server stops; connections coming
	// back are closed instead of kept.
	closed bool
}

func poolKey(d *domain.Directory) string {
	return strings.Join(d.URLs, " ") + "\x00" + fmt.Sprint(d.StartTLS) + "\x00" + d.CACertPEM + "\x00" + d.BindDN + "\x00" + d.BindPassword
}

// get returns a connection bound as the service account, and whether it was
// reused from the pool (a reused one may have died since).
func (p *pool) get(ctx context.Context, d *domain.Directory, t Timeouts) (*ldap.Conn, bool, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if !c.IsClosing() {
			p.mu.Unlock()
			return c, true, nil
		}
	}
	p.mu.Unlock()
	c, err := dial(ctx, d, t)
	if err != nil {
		return nil, false, err
	}
	if err := serviceBind(ctx, c, d); err != nil {
		c.Close()
		return nil, false, err
	}
	return c, false, nil
}

// put returns a connection bound as the service account to the pool.
func (p *pool) put(c *ldap.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.IsClosing() || len(p.idle) >= p.max {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		c.Close()
	}
	p.idle = nil
	p.closed = true
}

// withCtx closes c if ctx ends before fn returns.
func withCtx(ctx context.Context, c *ldap.Conn, fn func() error) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := fn()
	if !stop() && err != nil {
		return &domain.Error{Code: domain.EUNAVAILABLE, Message: "The directory did not answer in time. Try again in a minute.", Err: err}
	}
	return err
}

var errServiceBind = domain.Errorf(domain.EUNAVAILABLE, "The directory refused Tessera's service account. Ask your administrator to check the directory settings.")

func serviceBind(ctx context.Context, c *ldap.Conn, d *domain.Directory) error {
	if d.BindPassword == "" {
		return errServiceBind
	}
	err := withCtx(ctx, c, func() error { return c.Bind(d.BindDN, d.BindPassword) })
	if err != nil && ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		return &domain.Error{Code: errServiceBind.Code, Message: errServiceBind.Message, Err: err}
	}
	return ldapErr(err)
}

// ldapErr turns go-ldap errors into domain errors.
func ldapErr(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if ldap.IsErrorAnyOf(err, ldap.ErrorNetwork, ldap.LDAPResultTimeout, ldap.LDAPResultTimeLimitExceeded, ldap.LDAPResultBusy, ldap.LDAPResultUnavailable) {
		return &domain.Error{Code: domain.EUNAVAILABLE, Message: "The directory cannot be reached. Try again in a minute, or ask your administrator.", Err: err}
	}
	return domain.Internal(err)
}
