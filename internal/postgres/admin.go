package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// adminStore implements recom.AdminStore.
type adminStore struct{ db *DB }

const adminColumns = "id, email, password_hash, role, created_at"

func scanAdmin(row pgx.Row) (recom.Admin, error) {
	var a recom.Admin
	err := row.Scan(&a.ID, &a.Email, &a.PasswordHash, &a.Role, &a.CreatedAt)
	return a, err
}

func (s adminStore) CreateAdmin(ctx context.Context, a recom.Admin) (recom.Admin, error) {
	if a.ID == "" {
		a.ID = recom.NewID()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = recom.Now()
	}
	_, err := s.db.pool.Exec(ctx,
		`INSERT INTO admins (`+adminColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		a.ID, a.Email, a.PasswordHash, a.Role, a.CreatedAt)
	if hasCode(err, uniqueViolation) {
		return recom.Admin{}, recom.Errorf(recom.CodeConflict, "An admin with this email already exists.")
	}
	if err != nil {
		return recom.Admin{}, fmt.Errorf("postgres: create admin: %w", err)
	}
	return a, nil
}

func (s adminStore) FindAdminByEmail(ctx context.Context, email string) (recom.Admin, error) {
	a, err := scanAdmin(s.db.pool.QueryRow(ctx,
		`SELECT `+adminColumns+` FROM admins WHERE email = $1`, email))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Admin{}, recom.Errorf(recom.CodeNotFound, "Admin not found.")
	}
	if err != nil {
		return recom.Admin{}, fmt.Errorf("postgres: find admin by email: %w", err)
	}
	return a, nil
}

func (s adminStore) FindAdminByID(ctx context.Context, id string) (recom.Admin, error) {
	a, err := scanAdmin(s.db.pool.QueryRow(ctx,
		`SELECT `+adminColumns+` FROM admins WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Admin{}, recom.Errorf(recom.CodeNotFound, "Admin not found.")
	}
	if err != nil {
		return recom.Admin{}, fmt.Errorf("postgres: find admin %s: %w", id, err)
	}
	return a, nil
}
