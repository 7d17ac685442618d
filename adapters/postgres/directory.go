package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tessera/domain"
)

// DirectoryService implements domain.DirectoryService. Bind passwords are
// sealed with box before they reach the database.
type DirectoryService struct {
	db  *DB
	box domain.SecretBox
}

var _ domain.DirectoryService = (*DirectoryService)(nil)

// NewDirectoryService returns a DirectoryService over db sealing with box.
func NewDirectoryService(db *DB, box domain.SecretBox) *DirectoryService {
	return &DirectoryService{db: db, box: box}
}

type groupRoleJSON struct {
	GroupDN string `json:"group_dn"`
	Role    string `json:"role"`
}

const directoryCols = `tenant_id::text, enabled, name, urls, start_tls, ca_pem, bind_dn, bind_password_sealed, user_base, user_filter,
	login_attr, name_attr, mail_attr, group_mode, group_base, nested_groups, group_roles, allow_local_login, updated_at`

func scanDirectory(row pgx.Row) (*domain.Directory, string, error) {
	var d domain.Directory
	var sealed, mode string
	var roles []byte
	err := row.Scan(&d.TenantID, &d.Enabled, &d.Name, &d.URLs, &d.StartTLS, &d.CACertPEM, &d.BindDN, &sealed, &d.UserBase, &d.UserFilter,
		&d.LoginAttr, &d.NameAttr, &d.MailAttr, &mode, &d.GroupBase, &d.NestedGroups, &roles, &d.AllowLocalLogin, &d.UpdatedAt)
	if err != nil {
		return nil, "", err
	}
	d.GroupMode = domain.GroupMode(mode)
	var gr []groupRoleJSON
	if err := json.Unmarshal(roles, &gr); err != nil {
		return nil, "", err
	}
	for _, g := range gr {
		d.GroupRoles = append(d.GroupRoles, domain.GroupRole{GroupDN: g.GroupDN, Role: domain.Role(g.Role)})
	}
	d.HasBindPassword = sealed != ""
	return &d, sealed, nil
}

func (s *DirectoryService) FindDirectory(ctx context.Context, tenantID string) (*domain.Directory, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "No directory is configured.")
	}
	d, sealed, err := scanDirectory(s.db.Pool.QueryRow(ctx, `SELECT `+directoryCols+` FROM directories WHERE tenant_id = $1`, tenantID))
	if err != nil {
		return nil, translate(err, "No directory is configured.")
	}
	if sealed != "" {
		if d.BindPassword, err = s.box.Open(sealed); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *DirectoryService) SaveDirectory(ctx context.Context, d *domain.Directory) error {
	if err := domain.RequireTenant(d.TenantID); err != nil {
		return err
	}
	if !domain.IsID(d.TenantID) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	d.Normalize()
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		var sealed string
		err := tx.QueryRow(ctx, `SELECT bind_password_sealed FROM directories WHERE tenant_id = $1 FOR UPDATE`, d.TenantID).Scan(&sealed)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return translate(err, "")
		}
		d.HasBindPassword = sealed != ""
		if err := d.Validate(); err != nil {
			return err
		}
		if d.BindPassword != "" {
			if sealed, err = s.box.Seal(d.BindPassword); err != nil {
				return err
			}
		}
		roles := make([]groupRoleJSON, 0, len(d.GroupRoles))
		for _, g := range d.GroupRoles {
			roles = append(roles, groupRoleJSON{GroupDN: g.GroupDN, Role: string(g.Role)})
		}
		rolesJSON, _ := json.Marshal(roles)
		d.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		_, err = tx.Exec(ctx, `INSERT INTO directories (tenant_id, enabled, name, urls, start_tls, ca_pem, bind_dn, bind_password_sealed, user_base, user_filter,
				login_attr, name_attr, mail_attr, group_mode, group_base, nested_groups, group_roles, allow_local_login, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)
			ON CONFLICT (tenant_id) DO UPDATE SET enabled=$2, name=$3, urls=$4, start_tls=$5, ca_pem=$6, bind_dn=$7, bind_password_sealed=$8,
				user_base=$9, user_filter=$10, login_attr=$11, name_attr=$12, mail_attr=$13, group_mode=$14, group_base=$15,
				nested_groups=$16, group_roles=$17, allow_local_login=$18, updated_at=$19`,
			d.TenantID, d.Enabled, d.Name, d.URLs, d.StartTLS, d.CACertPEM, d.BindDN, sealed, d.UserBase, d.UserFilter,
			d.LoginAttr, d.NameAttr, d.MailAttr, string(d.GroupMode), d.GroupBase, d.NestedGroups, rolesJSON, d.AllowLocalLogin, d.UpdatedAt)
		if isDirectoryTenantMissing(err) {
			return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
		}
		if err != nil {
			return translate(err, "")
		}
		d.HasBindPassword = true
		return nil
	})
}

func (s *DirectoryService) DeleteDirectory(ctx context.Context, tenantID string) error {
	if err := domain.RequireTenant(tenantID); err != nil {
		return err
	}
	if !domain.IsID(tenantID) {
		return nil
	}
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM directories WHERE tenant_id = $1`, tenantID)
	return translate(err, "")
}

// isDirectoryTenantMissing reports a foreign key violation: the tenant is gone.
func isDirectoryTenantMissing(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}
