package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recomengine/recomengine/internal/recom"
)

// refreshTokenStore implements recom.RefreshTokenStore.
type refreshTokenStore struct{ db *DB }

const refreshTokenColumns = "id, admin_id, family_id, hash, created_at, expires_at, rotated_at, revoked_at"

func insertRefreshToken(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, t recom.RefreshToken) error {
	_, err := db.Exec(ctx,
		`INSERT INTO refresh_tokens (`+refreshTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.AdminID, t.FamilyID, t.Hash, t.CreatedAt, t.ExpiresAt, t.RotatedAt, t.RevokedAt)
	if hasCode(err, uniqueViolation) {
		return recom.Errorf(recom.CodeConflict, "This refresh token already exists.")
	}
	return err
}

func (s refreshTokenStore) CreateRefreshToken(ctx context.Context, t recom.RefreshToken) error {
	err := insertRefreshToken(ctx, s.db.pool, t)
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("postgres: create refresh token: %w", err)
	}
	return nil
}

func (s refreshTokenStore) FindRefreshToken(ctx context.Context, hash []byte) (recom.RefreshToken, error) {
	var t recom.RefreshToken
	err := s.db.pool.QueryRow(ctx,
		`SELECT `+refreshTokenColumns+` FROM refresh_tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.AdminID, &t.FamilyID, &t.Hash, &t.CreatedAt, &t.ExpiresAt,
			&t.RotatedAt, &t.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.RefreshToken{}, recom.Errorf(recom.CodeNotFound, "Refresh token not found.")
	}
	if err != nil {
		return recom.RefreshToken{}, fmt.Errorf("postgres: find refresh token: %w", err)
	}
	return t, nil
}

// RotateRefreshToken marks oldID rotated only if it is neither rotated nor revoked, and
// stores next in the same transaction, so of two requests presenting the same token only
// one gets a successor: the other's UPDATE waits for the row lock, then matches nothing.
func (s refreshTokenStore) RotateRefreshToken(ctx context.Context, oldID string, next recom.RefreshToken) error {
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE refresh_tokens SET rotated_at = $2
			WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL`,
			oldID, recom.Now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return recom.Errorf(recom.CodeConflict, "This refresh token was already used.")
		}
		return insertRefreshToken(ctx, tx, next)
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("postgres: rotate refresh token %s: %w", oldID, err)
	}
	return nil
}

func (s refreshTokenStore) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	_, err := s.db.pool.Exec(ctx,
		`UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`,
		familyID, recom.Now())
	if err != nil {
		return fmt.Errorf("postgres: revoke refresh family %s: %w", familyID, err)
	}
	return nil
}
