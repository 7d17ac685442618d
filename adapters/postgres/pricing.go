package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// PricingService implements domain.PricingService and domain.Pricer over
// rate cards, their versions and tenant assignments.
type PricingService struct {
	db *DB
	// Now is the clock (time.Now unless a test sets it).
	Now func() time.Time
}

var (
	_ domain.PricingService = (*PricingService)(nil)
	_ domain.Pricer         = (*PricingService)(nil)
)

// NewPricingService returns a PricingService over db.
func NewPricingService(db *DB) *PricingService { return &PricingService{db: db, Now: time.Now} }

func (s *PricingService) CreateRateCard(ctx context.Context, c *domain.RateCard, v *domain.RateCardVersion) error {
	if err := domain.ValidateNewCard(c, v, s.Now()); err != nil {
		return err
	}
	c.ID = domain.NewID()
	c.CreatedAt = s.Now().UTC().Truncate(time.Microsecond)
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO rate_cards (id, name, currency, is_default, created_at) VALUES ($1,$2,$3,false,$4)`,
			c.ID, c.Name, c.Currency, c.CreatedAt)
		if isUniqueViolation(err, "rate_cards_name_idx") {
			return domain.Invalid(map[string]string{"name": "A rate card with this name exists already."})
		}
		if err != nil {
			return translate(err, "")
		}
		v.CardID = c.ID
		if err := insertVersion(ctx, tx, v, s.Now()); err != nil {
			return err
		}
		c.Versions = []*domain.RateCardVersion{v}
		if c.IsDefault {
			return setDefault(ctx, tx, c.ID, v.EffectiveFrom, s.Now())
		}
		return nil
	})
}

func insertVersion(ctx context.Context, tx pgx.Tx, v *domain.RateCardVersion, now time.Time) error {
	v.ID = domain.NewID()
	v.EffectiveFrom = v.EffectiveFrom.UTC().Truncate(time.Second)
	v.CreatedAt = now.UTC().Truncate(time.Microsecond)
	disk, _ := json.Marshal(nonNil(v.Prices.DiskGiBMonth))
	lic, _ := json.Marshal(nonNil(v.Prices.LicenceHour))
	mult, _ := json.Marshal(v.Multipliers)
	if v.Multipliers == nil {
		mult = []byte("{}")
	}
	_, err := tx.Exec(ctx, `INSERT INTO rate_card_versions (id, card_id, effective_from, vcpu_hour, memory_gib_hour, public_ip_hour, monthly_fee, disk_gib_month, licence_hour, multipliers, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		v.ID, v.CardID, v.EffectiveFrom, int64(v.Prices.VCPUHour), int64(v.Prices.MemoryGiBHour), int64(v.Prices.PublicIPHour), int64(v.Prices.MonthlyFee),
		disk, lic, mult, v.CreatedAt)
	if isUniqueViolation(err, "") {
		return domain.Invalid(map[string]string{"effective_from": "This card has prices from exactly this time already; choose another time."})
	}
	return translate(err, "")
}

func nonNil(m map[string]domain.Micros) map[string]domain.Micros {
	if m == nil {
		return map[string]domain.Micros{}
	}
	return m
}

const cardCols = `c.id, c.name, c.currency, c.is_default, c.created_at, (SELECT count(DISTINCT tenant_id) FROM tenant_rates r WHERE r.card_id = c.id)`

func scanCard(row pgx.Row) (*domain.RateCard, error) {
	var c domain.RateCard
	err := row.Scan(&c.ID, &c.Name, &c.Currency, &c.IsDefault, &c.CreatedAt, &c.InUse)
	return &c, err
}

const versionCols = `id, card_id, effective_from, vcpu_hour, memory_gib_hour, public_ip_hour, monthly_fee, disk_gib_month, licence_hour, multipliers, created_at`

func scanVersion(row pgx.Row) (*domain.RateCardVersion, error) {
	var v domain.RateCardVersion
	var vcpu, mem, ip, fee int64
	var disk, lic, mult []byte
	if err := row.Scan(&v.ID, &v.CardID, &v.EffectiveFrom, &vcpu, &mem, &ip, &fee, &disk, &lic, &mult, &v.CreatedAt); err != nil {
		return nil, err
	}
	v.Prices = domain.Prices{VCPUHour: domain.Micros(vcpu), MemoryGiBHour: domain.Micros(mem), PublicIPHour: domain.Micros(ip), MonthlyFee: domain.Micros(fee)}
	if err := json.Unmarshal(disk, &v.Prices.DiskGiBMonth); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(lic, &v.Prices.LicenceHour); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(mult, &v.Multipliers); err != nil {
		return nil, err
	}
	return &v, nil
}

// loadVersions fills the versions of cards.
func loadVersions(ctx context.Context, q querier, cards ...*domain.RateCard) error {
	if len(cards) == 0 {
		return nil
	}
	byID := map[string]*domain.RateCard{}
	ids := make([]string, 0, len(cards))
	for _, c := range cards {
		byID[c.ID] = c
		c.Versions = nil
		ids = append(ids, c.ID)
	}
	rows, err := q.Query(ctx, `SELECT `+versionCols+` FROM rate_card_versions WHERE card_id = ANY($1::uuid[]) ORDER BY card_id, effective_from`, ids)
	if err != nil {
		return domain.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return domain.Internal(err)
		}
		byID[v.CardID].Versions = append(byID[v.CardID].Versions, v)
	}
	if err := rows.Err(); err != nil {
		return domain.Internal(err)
	}
	return nil
}

// querier is what pgxpool.Pool and pgx.Tx share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *PricingService) FindRateCards(ctx context.Context) ([]*domain.RateCard, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+cardCols+` FROM rate_cards c ORDER BY lower(c.name), c.id`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	cards, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.RateCard, error) { return scanCard(r) })
	if err != nil {
		return nil, domain.Internal(err)
	}
	return cards, loadVersions(ctx, s.db.Pool, cards...)
}

func (s *PricingService) FindRateCardByID(ctx context.Context, id string) (*domain.RateCard, error) {
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Rate card not found.")
	}
	c, err := scanCard(s.db.Pool.QueryRow(ctx, `SELECT `+cardCols+` FROM rate_cards c WHERE c.id = $1`, id))
	if err != nil {
		return nil, translate(err, "Rate card not found.")
	}
	return c, loadVersions(ctx, s.db.Pool, c)
}

func (s *PricingService) AddRateCardVersion(ctx context.Context, cardID string, v *domain.RateCardVersion) error {
	if !domain.IsID(cardID) {
		return domain.Errorf(domain.ENOTFOUND, "Rate card not found.")
	}
	now := s.Now()
	if v.EffectiveFrom.IsZero() {
		v.EffectiveFrom = now
	}
	if err := v.Validate(); err != nil {
		return err
	}
	v.CardID = cardID
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		var f domain.CardFacts
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tenant_rates WHERE card_id = c.id), EXISTS (SELECT 1 FROM rate_card_defaults WHERE card_id = c.id),
			(SELECT max(effective_from) FROM rate_card_versions WHERE card_id = c.id) FROM rate_cards c WHERE c.id = $1 FOR UPDATE`, cardID).Scan(&f.InUse, &f.IsDefault, &f.Latest)
		if err != nil {
			return translate(err, "Rate card not found.")
		}
		if err := domain.CheckNewVersion(v, f, now); err != nil {
			return err
		}
		return insertVersion(ctx, tx, v, now)
	})
}

func (s *PricingService) SetDefaultRateCard(ctx context.Context, cardID string) error {
	if !domain.IsID(cardID) {
		return domain.Errorf(domain.ENOTFOUND, "Rate card not found.")
	}
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		var first *time.Time
		err := tx.QueryRow(ctx, `SELECT (SELECT min(effective_from) FROM rate_card_versions WHERE card_id = c.id) FROM rate_cards c WHERE c.id = $1 FOR UPDATE`, cardID).Scan(&first)
		if err != nil {
			return translate(err, "Rate card not found.")
		}
		from := s.Now()
		if first != nil {
			from = *first
		}
		return setDefault(ctx, tx, cardID, from, s.Now())
	})
}

// setDefault makes cardID the default card from the time domain.DefaultFrom
// says.
func setDefault(ctx context.Context, tx pgx.Tx, cardID string, from, now time.Time) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE rate_card_defaults IN EXCLUSIVE MODE`); err != nil {
		return translate(err, "")
	}
	var had bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rate_card_defaults)`).Scan(&had); err != nil {
		return translate(err, "")
	}
	from = domain.DefaultFrom(had, from, now)
	if _, err := tx.Exec(ctx, `DELETE FROM rate_card_defaults WHERE effective_from > $1`, from); err != nil { // later, scheduled defaults give way
		return translate(err, "")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO rate_card_defaults (effective_from, card_id) VALUES ($1, $2)
		ON CONFLICT (effective_from) DO UPDATE SET card_id = EXCLUDED.card_id`, from, cardID); err != nil {
		return translate(err, "")
	}
	_, err := tx.Exec(ctx, `UPDATE rate_cards SET is_default = (id = $1) WHERE is_default OR id = $1`, cardID)
	return translate(err, "")
}

func (s *PricingService) AssignRateCard(ctx context.Context, r *domain.TenantRate) error {
	if err := domain.RequireTenant(r.TenantID); err != nil {
		return err
	}
	now := s.Now()
	if r.EffectiveFrom.IsZero() {
		r.EffectiveFrom = now
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if !domain.IsID(r.TenantID) {
		return domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	r.EffectiveFrom = r.EffectiveFrom.UTC().Truncate(time.Second)
	return s.db.InTx(ctx, func(tx pgx.Tx) error {
		// Serialise assignments of one tenant.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`, r.TenantID); err != nil {
			return translate(err, "")
		}
		var f domain.AssignmentFacts
		if err := tx.QueryRow(ctx, `SELECT currency FROM rate_cards WHERE id = $1`, r.CardID).Scan(&f.Currency); err != nil {
			if err == pgx.ErrNoRows {
				return domain.Invalid(map[string]string{"card_id": "Choose a rate card."})
			}
			return translate(err, "")
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rate_card_versions WHERE card_id = $1 AND effective_from <= $2)`, r.CardID, r.EffectiveFrom).Scan(&f.Priced); err != nil {
			return translate(err, "")
		}
		if f.Priced {
			err := tx.QueryRow(ctx, `SELECT (SELECT c.currency FROM tenant_rates t JOIN rate_cards c ON c.id = t.card_id WHERE t.tenant_id = $1 ORDER BY t.effective_from DESC LIMIT 1),
			(SELECT max(effective_from) FROM tenant_rates WHERE tenant_id = $1),
			(SELECT max(period_end) FROM invoices WHERE tenant_id = $1)`, r.TenantID).Scan(&f.PrevCurrency, &f.Latest, &f.BilledUntil)
			if err != nil {
				return translate(err, "")
			}
		}
		if f.Priced && domain.NeedsUsageCheck(r, f.Latest, now) {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM usage_intervals WHERE tenant_id = $1 AND (ended_at IS NULL OR ended_at > $2))`, r.TenantID, r.EffectiveFrom).Scan(&f.UsedSince); err != nil {
				return translate(err, "")
			}
		}
		if err := domain.CheckAssignment(r, f, now); err != nil {
			return err
		}
		ov, _ := json.Marshal(r.Overrides)
		r.ID = domain.NewID()
		r.CreatedAt = now.UTC().Truncate(time.Microsecond)
		_, err := tx.Exec(ctx, `INSERT INTO tenant_rates (id, tenant_id, card_id, discount_bp, overrides, effective_from, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
			r.ID, r.TenantID, r.CardID, r.DiscountBP, ov, r.EffectiveFrom, r.CreatedAt)
		return translate(err, "")
	})
}

const rateCols = `id, tenant_id, card_id, discount_bp, overrides, effective_from, created_at`

func scanRate(row pgx.Row) (*domain.TenantRate, error) {
	var r domain.TenantRate
	var ov []byte
	if err := row.Scan(&r.ID, &r.TenantID, &r.CardID, &r.DiscountBP, &ov, &r.EffectiveFrom, &r.CreatedAt); err != nil {
		return nil, err
	}
	return &r, json.Unmarshal(ov, &r.Overrides)
}

func (s *PricingService) FindTenantRates(ctx context.Context, tenantID string) ([]*domain.TenantRate, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, nil
	}
	return findTenantRates(ctx, s.db.Pool, tenantID)
}

func findTenantRates(ctx context.Context, q querier, tenantID string) ([]*domain.TenantRate, error) {
	rows, err := q.Query(ctx, `SELECT `+rateCols+` FROM tenant_rates WHERE tenant_id = $1 ORDER BY effective_from`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.TenantRate, error) { return scanRate(r) })
	if err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// Schedule returns everything needed to price a tenant over time: its
// assignments and the cards they (or the default card) name.
func (s *PricingService) Schedule(ctx context.Context, tenantID string) (*domain.PriceSchedule, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	return loadSchedule(ctx, s.db.Pool, tenantID)
}

func loadSchedule(ctx context.Context, q querier, tenantID string) (*domain.PriceSchedule, error) {
	rates, err := findTenantRates(ctx, q, tenantID)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+cardCols+` FROM rate_cards c WHERE c.id IN (SELECT card_id FROM rate_card_defaults)
		OR c.id IN (SELECT card_id FROM tenant_rates WHERE tenant_id = $1)`, tenantID)
	if err != nil {
		return nil, domain.Internal(err)
	}
	cards, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.RateCard, error) { return scanCard(r) })
	if err != nil {
		return nil, domain.Internal(err)
	}
	if err := loadVersions(ctx, q, cards...); err != nil {
		return nil, err
	}
	sc := &domain.PriceSchedule{TenantID: tenantID, Rates: rates, Cards: map[string]*domain.RateCard{}}
	for _, c := range cards {
		sc.Cards[c.ID] = c
	}
	drows, err := q.Query(ctx, `SELECT effective_from, card_id FROM rate_card_defaults ORDER BY effective_from`)
	if err != nil {
		return nil, domain.Internal(err)
	}
	defer drows.Close()
	for drows.Next() {
		var d domain.DefaultCard
		var id string
		if err := drows.Scan(&d.From, &id); err != nil {
			return nil, domain.Internal(err)
		}
		if d.Card = sc.Cards[id]; d.Card != nil {
			sc.Defaults = append(sc.Defaults, d)
		}
	}
	if err := drows.Err(); err != nil {
		return nil, domain.Internal(err)
	}
	if len(sc.Defaults) == 0 {
		sc.Defaults = []domain.DefaultCard{{From: time.Time{}, Card: nil}} // no default at any time
	}
	return sc, nil
}

func (s *PricingService) PricesAt(ctx context.Context, tenantID string, t time.Time) (*domain.EffectivePrices, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	if !domain.IsID(tenantID) {
		return nil, domain.Errorf(domain.ENOTFOUND, "Tenant not found.")
	}
	sc, err := s.Schedule(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return sc.At(t)
}

// QuoteMachine prices shape for the tenant at the location with the prices in
// force now. An unknown location (or one without a multiplier) has factor 1.
func (s *PricingService) QuoteMachine(ctx context.Context, tenantID, locationID string, shape domain.MachineShape) (*domain.Quote, error) {
	if err := domain.RequireTenant(tenantID); err != nil {
		return nil, err
	}
	e, err := s.PricesAt(ctx, tenantID, s.Now())
	if err != nil {
		return nil, err
	}
	return domain.QuoteShape(e, locationID, shape, ""), nil
}
