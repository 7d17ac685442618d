// Package connectapi is manage's client for connect's HTTP+JSON API
// (/connect/v1). It implements domain.SiteClient for one site and
// domain.SiteConnector over the sites registered in manage.
package connectapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	connectv1 "tessera/connect/v1"
	"tessera/domain"
)

// DefaultTimeout bounds every call, so a site that is down never hangs a page.
const DefaultTimeout = 5 * time.Second

// Client talks to one connect site with this manage instance's token.
type Client struct {
	base  string
	token string
	http  *http.Client
}

var _ domain.SiteClient = (*Client)(nil)

// New returns a client of the site at baseURL (e.g. https://site.example:8443).
// hc may be nil for a client with DefaultTimeout.
func New(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: hc}
}

// Info returns the site's capacity and inventory.
func (c *Client) Info(ctx context.Context) (*domain.SiteInfo, error) {
	var out connectv1.SiteInfo
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/site", nil, &out); err != nil {
		return nil, err
	}
	return siteFromV1(&out), nil
}

// Submit queues an operation; the same key returns the same operation.
func (c *Client) Submit(ctx context.Context, req domain.OperationRequest) (*domain.Operation, error) {
	var out connectv1.Operation
	if err := c.do(ctx, http.MethodPost, connectv1.Prefix+"/operations", requestToV1(req), &out); err != nil {
		return nil, err
	}
	return operationFromV1(&out), nil
}

// Operation returns one of this manage instance's operations.
func (c *Client) Operation(ctx context.Context, id string) (*domain.Operation, error) {
	var out connectv1.Operation
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/operations/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return operationFromV1(&out), nil
}

// Machine returns what the site last saw of a machine.
func (c *Client) Machine(ctx context.Context, machineID string) (*domain.MachineObservation, error) {
	var out connectv1.MachineObservation
	if err := c.do(ctx, http.MethodGet, connectv1.Prefix+"/machines/"+url.PathEscape(machineID), nil, &out); err != nil {
		return nil, err
	}
	return machineFromV1(&out), nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return domain.Internal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The site's API URL is not valid.")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &domain.Error{Code: domain.EUNAVAILABLE, Message: "The site cannot be reached.", Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &domain.Error{Code: domain.EUNAVAILABLE, Message: "The site stopped answering.", Err: err}
	}
	if resp.StatusCode >= 300 {
		var p connectv1.Problem
		if json.Unmarshal(data, &p) != nil || p.Code == "" {
			if resp.StatusCode >= 500 {
				return &domain.Error{Code: domain.EUNAVAILABLE, Message: fmt.Sprintf("The site answered with status %d.", resp.StatusCode)}
			}
			return domain.Internal(fmt.Errorf("connect %s %s: status %d", method, path, resp.StatusCode))
		}
		switch p.Code {
		case connectv1.CodeUnauthorized:
			return &domain.Error{Code: domain.EUNAUTHORIZED, Message: "The site rejected this manage instance's credential."}
		case connectv1.CodeInternal:
			return &domain.Error{Code: domain.EUNAVAILABLE, Message: "The site had an internal error: " + p.Detail}
		}
		return &domain.Error{Code: p.Code, Message: p.Detail, Fields: p.Errors}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return domain.Internal(fmt.Errorf("connect %s %s: %w", method, path, err))
	}
	return nil
}
