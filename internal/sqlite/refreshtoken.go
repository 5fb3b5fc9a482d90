package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/recomengine/recomengine/internal/recom"
)

// refreshTokenStore implements recom.RefreshTokenStore.
type refreshTokenStore struct{ db *DB }

const refreshTokenColumns = "id, admin_id, family_id, hash, created_at, expires_at, rotated_at, revoked_at"

func insertRefreshToken(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, t recom.RefreshToken) error {
	_, err := db.ExecContext(ctx,
		`INSERT INTO refresh_tokens (`+refreshTokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.AdminID, t.FamilyID, t.Hash, timeText(t.CreatedAt), timeText(t.ExpiresAt),
		nullTimeText(t.RotatedAt), nullTimeText(t.RevokedAt))
	if isUniqueViolation(err) {
		return recom.Errorf(recom.CodeConflict, "This refresh token already exists.")
	}
	return err
}

func (s refreshTokenStore) CreateRefreshToken(ctx context.Context, t recom.RefreshToken) error {
	err := insertRefreshToken(ctx, s.db.write, t)
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlite: create refresh token: %w", err)
	}
	return nil
}

func (s refreshTokenStore) FindRefreshToken(ctx context.Context, hash []byte) (recom.RefreshToken, error) {
	var t recom.RefreshToken
	err := s.db.read.QueryRowContext(ctx,
		`SELECT `+refreshTokenColumns+` FROM refresh_tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.AdminID, &t.FamilyID, &t.Hash, timeScanner{&t.CreatedAt},
			timeScanner{&t.ExpiresAt}, nullTimeScanner{&t.RotatedAt}, nullTimeScanner{&t.RevokedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return recom.RefreshToken{}, recom.Errorf(recom.CodeNotFound, "Refresh token not found.")
	}
	if err != nil {
		return recom.RefreshToken{}, fmt.Errorf("sqlite: find refresh token: %w", err)
	}
	return t, nil
}

// RotateRefreshToken marks oldID rotated only if it is neither rotated nor revoked, and
// stores next in the same transaction, so of two requests presenting the same token only
// one gets a successor.
func (s refreshTokenStore) RotateRefreshToken(ctx context.Context, oldID string, next recom.RefreshToken) error {
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE refresh_tokens SET rotated_at = $2
			WHERE id = $1 AND rotated_at IS NULL AND revoked_at IS NULL`,
			oldID, timeText(recom.Now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return recom.Errorf(recom.CodeConflict, "This refresh token was already used.")
		}
		return insertRefreshToken(ctx, tx, next)
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("sqlite: rotate refresh token %s: %w", oldID, err)
	}
	return nil
}

func (s refreshTokenStore) RevokeRefreshFamily(ctx context.Context, familyID string) error {
	_, err := s.db.write.ExecContext(ctx,
		`UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`,
		familyID, timeText(recom.Now()))
	if err != nil {
		return fmt.Errorf("sqlite: revoke refresh family %s: %w", familyID, err)
	}
	return nil
}
