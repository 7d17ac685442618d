package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// UserService implements domain.UserService.
type UserService struct{ db *DB }

var _ domain.UserService = (*UserService)(nil)

// NewUserService returns a UserService over db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userCols = `id, coalesce(tenant_id::text, ''), login, display_name, email, role, source, disabled, password_hash, created_at, last_login_at`

func scanUser(row pgx.Row) (*domain.User, error) {
	var u domain.User
	var role, source string
	err := row.Scan(&u.ID, &u.TenantID, &u.Login, &u.DisplayName, &u.Email, &role, &source, &u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.LastLoginAt)
	u.Role, u.Source = domain.Role(role), domain.UserSource(source)
	return &u, err
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

func (s *UserService) CreateUser(ctx context.Context, u *domain.User) error {
	u.Normalize()
	if u.Source == "" {
		u.Source = domain.SourceLocal
	}
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID = domain.NewID()
	u.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO users (id, tenant_id, login, display_name, email, role, source, disabled, password_hash, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		u.ID, nullID(u.TenantID), u.Login, u.DisplayName, u.Email, string(u.Role), string(u.Source), u.Disabled, u.PasswordHash, u.CreatedAt)
	if isUniqueViolation(err, "users_tenant_login_idx") {
		return &domain.Error{Code: domain.ECONFLICT, Message: "A user with this name exists already.", Fields: map[string]string{"login": "This user name is taken."}}
	}
	return translate(err, "")
}

func (s *UserService) FindUserByID(ctx context.Context, tenantID, id string) (*domain.User, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) || !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 AND tenant_id = $2`, id, tenantID))
	return u, translate(err, "User not found.")
}

func (s *UserService) FindProviderAdminByID(ctx context.Context, id string) (*domain.User, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 AND tenant_id IS NULL`, id))
	return u, translate(err, "User not found.")
}

func (s *UserService) FindUserByLogin(ctx context.Context, tenantID, login string) (*domain.User, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users
		WHERE tenant_id = $1 AND lower(login) = lower($2)`, tenantID, login))
	return u, translate(err, "User not found.")
}

func (s *UserService) FindProviderAdminByLogin(ctx context.Context, login string) (*domain.User, error) {
	u, err := scanUser(s.db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users
		WHERE tenant_id IS NULL AND lower(login) = lower($1)`, login))
	return u, translate(err, "User not found.")
}

func (s *UserService) FindUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error) {
	if err := domain.RequireTenant(f.TenantID); err != nil {
		return nil, "", err
	}
	if !domain.IsID(f.TenantID) {
		return nil, "", nil
	}
	return s.findUsers(ctx, "tenant_id = $1", []any{f.TenantID}, f)
}

func (s *UserService) FindProviderAdmins(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error) {
	return s.findUsers(ctx, "tenant_id IS NULL", nil, f)
}

// findUsers pages through the users that owner (a condition on tenant_id,
// with its arguments) selects, narrowed by f.
func (s *UserService) findUsers(ctx context.Context, owner string, args []any, f domain.UserFilter) ([]*domain.User, string, error) {
	limit := domain.ClampLimit(f.Limit)
	c, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where := []string{owner}
	if f.ID != nil {
		args = append(args, *f.ID)
		where = append(where, "id::text = $"+itoa(len(args)))
	}
	if f.Login != nil {
		args = append(args, *f.Login)
		where = append(where, "lower(login) = lower($"+itoa(len(args))+")")
	}
	if c != nil {
		args = append(args, c.Key, c.ID)
		where = append(where, "(lower(login), id::text) > ($"+itoa(len(args)-1)+", $"+itoa(len(args))+")")
	}
	args = append(args, limit+1)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+userCols+` FROM users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY lower(login), id::text LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", domain.Internal(err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", domain.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].Login, out[limit-1].ID)
	}
	return out, next, nil
}

func (s *UserService) UpdateUser(ctx context.Context, tenantID, id string, upd domain.UserUpdate) (*domain.User, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	return s.updateUser(ctx, tenantID, id, upd)
}

func (s *UserService) UpdateProviderAdmin(ctx context.Context, id string, upd domain.UserUpdate) (*domain.User, error) {
	return s.updateUser(ctx, "", id, upd)
}

// updateUser changes the user id of tenantID, or the provider admin id when
// tenantID is "": only the two public methods above decide which.
func (s *UserService) updateUser(ctx context.Context, tenantID, id string, upd domain.UserUpdate) (*domain.User, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "User not found.")
	}
	var out *domain.User
	err := s.db.InTx(ctx, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 FOR UPDATE`, id, nullID(tenantID)))
		if err != nil {
			return translate(err, "User not found.")
		}
		if upd.DisplayName != nil {
			u.DisplayName = *upd.DisplayName
		}
		if upd.Email != nil {
			u.Email = *upd.Email
		}
		if upd.Role != nil {
			u.Role = *upd.Role
		}
		if upd.Disabled != nil {
			u.Disabled = *upd.Disabled
		}
		if upd.PasswordHash != nil {
			u.PasswordHash = *upd.PasswordHash
		}
		if upd.LastLoginAt != nil {
			t := *upd.LastLoginAt
			u.LastLoginAt = &t
		}
		u.Normalize()
		if err := u.Validate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET display_name=$2, email=$3, role=$4, disabled=$5, password_hash=$6, last_login_at=$7 WHERE id=$1`,
			u.ID, u.DisplayName, u.Email, string(u.Role), u.Disabled, u.PasswordHash, u.LastLoginAt)
		out = u
		return translate(err, "")
	})
	return out, err
}
