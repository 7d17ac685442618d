package postgres

import (
	"context"
	"time"

	"tessera/domain"
)

// RateLimiter implements domain.RateLimiter with fixed windows in a table, so
// every manage replica sees the same counts.
type RateLimiter struct{ db *DB }

var _ domain.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter returns a RateLimiter over db.
func NewRateLimiter(db *DB) *RateLimiter { return &RateLimiter{db: db} }

func (r *RateLimiter) Hit(ctx context.Context, key string, window time.Duration) (int, error) {
	var n int
	// A window that has expired starts again at 1.
	err := r.db.Pool.QueryRow(ctx, `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, now(), 1)
		ON CONFLICT (key) DO UPDATE SET
		  count = CASE WHEN rate_limits.window_start < now() - $2::interval THEN 1 ELSE rate_limits.count + 1 END,
		  window_start = CASE WHEN rate_limits.window_start < now() - $2::interval THEN now() ELSE rate_limits.window_start END
		RETURNING count`, key, window).Scan(&n)
	return n, translate(err, "")
}

func (r *RateLimiter) Count(ctx context.Context, key string, window time.Duration) (int, error) {
	var n int
	err := r.db.Pool.QueryRow(ctx, `SELECT coalesce((SELECT count FROM rate_limits WHERE key = $1 AND window_start >= now() - $2::interval), 0)`, key, window).Scan(&n)
	return n, translate(err, "")
}

func (r *RateLimiter) Reset(ctx context.Context, key string) error {
	_, err := r.db.Pool.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, key)
	return translate(err, "")
}
