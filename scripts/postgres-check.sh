#!/usr/bin/env bash
# The nightly back-office path against a real PostgreSQL server (docs/integration.md):
# an ERP-like schema, a data-gen dataset loaded with COPY, then for each month of the year:
# the month's lines exported with COPY ... TO STDOUT into transactions/YYYY-MM.csv, `rebate import`,
# `rebate close` with the ledger read back out of the database, and journal.csv, payments.csv and
# ledger.csv loaded back with COPY ... FROM STDIN. Checked in SQL after every month: debits equal
# credits; the ledger equals the previous one plus the month's journal, per agreement and period;
# the payments equal the settlement entries. A late credit note for a settled quarter (June) and an
# agreement whose end moves (August) must give a clawback and a reversal. At the end the database's
# ledger must equal one `rebate close` over all the lines.
#   scripts/postgres-check.sh [lines]      (default 1000000)
# The server is a throwaway cluster in a temporary folder, on a Unix socket only, run as an
# unprivileged user (nobody when this runs as root). PostgreSQL is installed with apt-get when
# missing; when that fails the check fails, saying so. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "postgres-check: PostgreSQL is not installed; installing it with apt-get"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }; then
        echo "postgres-check: FAILED: PostgreSQL is not installed and apt-get could not install it" >&2
        exit 1
    fi
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

bin=.build/release
[ -x $bin/rebate ] || swift build -c release --product rebate >/dev/null
[ -x $bin/data-gen ] || swift build -c release --product data-gen >/dev/null
rebate=$PWD/$bin/rebate

work=$(mktemp -d)
chmod 755 "$work"
mkdir -p "$work/pg" "$work/socket"
as_server=()
if [ "$(id -u)" = 0 ]; then
    # The server refuses to run as root.
    chown nobody "$work/pg" "$work/socket"
    as_server=(runuser -u nobody --)
fi
cleanup() {
    "${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
"${as_server[@]}" "$pgbin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
"${as_server[@]}" "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/socket/server.log" \
    -o "-k $work/socket -c listen_addresses='' -c fsync=off" start >/dev/null
psql=(psql -h "$work/socket" -U postgres -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE erp"
sql() { "${psql[@]}" -d erp "$@"; }
value() { sql -At -c "$1"; }

# The ERP: master data, invoice lines, the agreements document, the general ledger's rebate journal,
# the rebate ledger month by month, and payments.
sql <<'SQL'
CREATE TABLE partners (partner_id text PRIMARY KEY, name text NOT NULL, group_id text);
CREATE TABLE products (product_id text PRIMARY KEY, name text NOT NULL, category text NOT NULL, pallet_qty numeric(18,3));
CREATE TABLE invoice_lines (
    line_id text PRIMARY KEY, invoice_date date NOT NULL, partner_id text NOT NULL REFERENCES partners,
    product_id text NOT NULL REFERENCES products, quantity numeric(18,3) NOT NULL, amount numeric(18,2) NOT NULL);
CREATE INDEX invoice_lines_by_date ON invoice_lines (invoice_date);
CREATE TABLE agreements_document (id int PRIMARY KEY, document jsonb NOT NULL);
CREATE TABLE gl_rebate_journal (
    close_month text NOT NULL, entry_date date NOT NULL, agreement_id text NOT NULL, beneficiary text NOT NULL,
    period_start date NOT NULL, period_end date NOT NULL, entry text NOT NULL CHECK (entry IN ('accrual', 'settlement')),
    debit_account text NOT NULL, credit_account text NOT NULL, amount numeric(18,2) NOT NULL CHECK (amount > 0));
CREATE TABLE rebate_ledger (
    close_month text NOT NULL, agreement_id text NOT NULL, beneficiary text NOT NULL, period_start date NOT NULL,
    period_end date NOT NULL, accrued numeric(18,2) NOT NULL, paid numeric(18,2) NOT NULL,
    PRIMARY KEY (close_month, agreement_id, period_start, period_end));
CREATE TABLE rebate_payments (
    close_month text NOT NULL, beneficiary text NOT NULL, agreement_id text NOT NULL, period_start date NOT NULL,
    period_end date NOT NULL, earned numeric(18,2) NOT NULL, paid_before numeric(18,2) NOT NULL,
    amount numeric(18,2) NOT NULL);
-- Staging tables with the columns of rebate's CSV outputs, as they are.
CREATE TABLE staging_journal (LIKE gl_rebate_journal);
ALTER TABLE staging_journal DROP COLUMN close_month;
CREATE TABLE staging_ledger (LIKE rebate_ledger);
ALTER TABLE staging_ledger DROP COLUMN close_month;
CREATE TABLE staging_payments (LIKE rebate_payments);
ALTER TABLE staging_payments DROP COLUMN close_month;
SQL

started=$(date +%s)
$bin/data-gen --lines "$lines" --seed 22 --out "$work/generated" --quiet
sql -c "COPY partners FROM STDIN (FORMAT csv, HEADER)" < "$work/generated/partners.csv"
sql -c "COPY products FROM STDIN (FORMAT csv, HEADER)" < "$work/generated/products.csv"
sql -c "COPY invoice_lines FROM STDIN (FORMAT csv, HEADER)" < "$work/generated/transactions.csv"
sql -c "INSERT INTO agreements_document VALUES (1, \$\$$(cat "$work/generated/agreements.json")\$\$::jsonb)"
loaded=$(value "SELECT count(*) FROM invoice_lines")
echo "postgres-check: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), $loaded invoice lines loaded in $(($(date +%s) - started)) s"

# The dataset folder the nightly job keeps: master data and the agreements out of the ERP, a file a month.
data=$work/dataset
mkdir -p "$data/transactions"
sql -c "COPY partners TO STDOUT (FORMAT csv, HEADER)" > "$data/partners.csv"
sql -c "COPY products TO STDOUT (FORMAT csv, HEADER)" > "$data/products.csv"

export_month() { # YYYY-MM: the month's lines, rewritten only when they changed (so import reuses the rest)
    local from="$1-01"
    sql -c "COPY (SELECT line_id, to_char(invoice_date, 'YYYY-MM-DD') AS date, partner_id, product_id, quantity, amount
                  FROM invoice_lines WHERE invoice_date >= date '$from' AND invoice_date < date '$from' + interval '1 month'
                  ORDER BY line_id) TO STDOUT (FORMAT csv, HEADER)" > "$work/month.csv"
    if ! cmp -s "$work/month.csv" "$data/transactions/$1.csv"; then mv "$work/month.csv" "$data/transactions/$1.csv"; fi
}

signed_journal="SELECT agreement_id, period_start, period_end,
        sum(CASE WHEN entry = 'accrual' THEN (CASE WHEN credit_account = 'accrued_rebates' THEN amount ELSE -amount END) ELSE 0 END) AS accrued,
        sum(CASE WHEN entry = 'settlement' THEN (CASE WHEN credit_account = 'rebates_payable' THEN amount ELSE -amount END) ELSE 0 END) AS paid
    FROM gl_rebate_journal WHERE close_month = :'m' GROUP BY 1, 2, 3"

check() { # a query that must return no rows, and what it means
    local rows
    rows=$(echo "$3" | sql -At -v m="$1" -v p="$2")
    if [ -n "$rows" ]; then
        echo "postgres-check: FAILED after closing $1: $4" >&2
        echo "$rows" | head -5 >&2
        exit 1
    fi
}

previous=""
total_rows=0
for mm in 01 02 03 04 05 06 07 08 09 10 11 12; do
    month="2026-$mm"
    t0=$(date +%s%N)
    if [ "$mm" = 07 ]; then
        # A credit note dated in February arrives in July: Q1 was settled and paid (an agreement on amount,
        # every product, no gate, no cap, so the credit note must lower what it earned).
        target=$(value "SELECT d->>'id' || ' ' || coalesce(d->'beneficiary'->>'partner',
                            (SELECT min(partner_id) FROM partners WHERE group_id = d->'beneficiary'->>'group'))
                        FROM agreements_document, jsonb_array_elements(document->'agreements') d
                        JOIN rebate_ledger l ON l.agreement_id = d->>'id' AND l.close_month = '2026-06'
                          AND l.period_start = '2026-01-01' AND l.paid > 0
                        WHERE d->>'settlement' = 'quarter' AND d->>'basis' = 'amount'
                          AND NOT d ? 'products' AND NOT d ? 'requires' AND NOT d ? 'cap' ORDER BY l.paid DESC LIMIT 1")
        [ -n "$target" ] || { echo "postgres-check: FAILED: no agreement to send a credit note to" >&2; exit 1; }
        credit_agreement=${target%% *}
        credit_partner=${target##* }
        product=$(value "SELECT product_id FROM invoice_lines WHERE partner_id = '$credit_partner' LIMIT 1")
        sql -c "INSERT INTO invoice_lines VALUES ('LATE-CREDIT-1', '2026-02-10', '$credit_partner', '$product', -500, -250000.00)"
    fi
    if [ "$mm" = 08 ]; then
        # An agreement's end moves from 31 December to 15 August in the agreements document.
        moved=$(value "SELECT agreement_id FROM rebate_ledger WHERE close_month = '2026-07' AND period_start = '2026-07-01'
                       AND period_end = '2026-09-30' AND accrued > 0 ORDER BY agreement_id LIMIT 1")
        [ -n "$moved" ] || { echo "postgres-check: FAILED: no quarterly agreement accrued in July" >&2; exit 1; }
        sql -c "UPDATE agreements_document SET document = jsonb_set(document, '{agreements}',
                  (SELECT jsonb_agg(CASE WHEN d->>'id' = '$moved' THEN jsonb_set(d, '{end}', '\"2026-08-15\"') ELSE d END)
                   FROM jsonb_array_elements(document->'agreements') d)) WHERE id = 1"
    fi
    value "SELECT document::text FROM agreements_document WHERE id = 1" > "$data/agreements.json"
    for earlier in $(seq 1 "$((10#$mm))"); do export_month "2026-$(printf %02d "$earlier")"; done
    ledger_args=()
    if [ -n "$previous" ]; then
        sql -c "COPY (SELECT agreement_id, beneficiary, period_start, period_end, accrued, paid FROM rebate_ledger
                      WHERE close_month = '$previous' ORDER BY agreement_id, period_start) TO STDOUT (FORMAT csv, HEADER)" \
            > "$work/ledger-in.csv"
        ledger_args=(--ledger "$work/ledger-in.csv")
    fi
    "$rebate" import "$data" --quiet
    "$rebate" close "$data" --month "$month" "${ledger_args[@]}" --out "$work/close-$month" --quiet
    out=$work/close-$month
    sql <<SQL
TRUNCATE staging_journal, staging_ledger, staging_payments;
\copy staging_journal FROM '$out/journal.csv' (FORMAT csv, HEADER)
\copy staging_ledger FROM '$out/ledger.csv' (FORMAT csv, HEADER)
\copy staging_payments FROM '$out/payments.csv' (FORMAT csv, HEADER)
INSERT INTO gl_rebate_journal SELECT '$month', * FROM staging_journal;
INSERT INTO rebate_ledger SELECT '$month', * FROM staging_ledger;
INSERT INTO rebate_payments SELECT '$month', * FROM staging_payments;
SQL
    rows=$(($(wc -l < "$out/journal.csv") + $(wc -l < "$out/ledger.csv") + $(wc -l < "$out/payments.csv") - 3))
    total_rows=$((total_rows + rows))

    # Over the month's entries, every account's debits less its credits add up to zero.
    check "$month" "$previous" "SELECT sum(d) FROM (
            SELECT debit_account AS account, amount AS d FROM gl_rebate_journal WHERE close_month = :'m'
            UNION ALL SELECT credit_account, -amount FROM gl_rebate_journal WHERE close_month = :'m') x
        HAVING sum(d) <> 0" "debits and credits differ"
    check "$month" "$previous" "WITH j AS ($signed_journal),
        before AS (SELECT agreement_id, period_start, period_end, accrued, paid FROM rebate_ledger WHERE close_month = :'p'),
        after AS (SELECT agreement_id, period_start, period_end, accrued, paid FROM rebate_ledger WHERE close_month = :'m')
        SELECT coalesce(a.agreement_id, b.agreement_id, j.agreement_id), coalesce(a.period_start, b.period_start, j.period_start)
        FROM after a FULL JOIN before b USING (agreement_id, period_start, period_end)
        FULL JOIN j USING (agreement_id, period_start, period_end)
        WHERE coalesce(a.accrued, 0) <> coalesce(b.accrued, 0) + coalesce(j.accrued, 0)
           OR coalesce(a.paid, 0) <> coalesce(b.paid, 0) + coalesce(j.paid, 0)" \
        "the ledger is not the previous ledger plus the month's journal"
    check "$month" "$previous" "WITH j AS ($signed_journal),
        p AS (SELECT agreement_id, period_start, period_end, sum(amount) AS paid FROM rebate_payments
              WHERE close_month = :'m' GROUP BY 1, 2, 3)
        SELECT agreement_id, period_start FROM p FULL JOIN (SELECT * FROM j WHERE paid <> 0) j
            USING (agreement_id, period_start, period_end)
        WHERE coalesce(p.paid, 0) <> coalesce(j.paid, 0)" "the payments are not the settlement entries"
    if [ "$mm" = 07 ]; then
        check "$month" "$previous" "SELECT 'no clawback' WHERE NOT EXISTS (SELECT 1 FROM rebate_payments
            WHERE close_month = :'m' AND agreement_id = '$credit_agreement' AND period_start = '2026-01-01' AND amount < 0)" \
            "the late credit note for $credit_agreement's first quarter was not clawed back"
    fi
    if [ "$mm" = 08 ]; then
        check "$month" "$previous" "SELECT 'old period kept' FROM rebate_ledger WHERE close_month = :'m'
            AND agreement_id = '$moved' AND period_start = '2026-07-01' AND period_end = '2026-09-30'
            UNION ALL SELECT 'no reversal' WHERE NOT EXISTS (SELECT 1 FROM gl_rebate_journal WHERE close_month = :'m'
            AND agreement_id = '$moved' AND period_end = '2026-09-30' AND entry = 'accrual')" \
            "the moved end of $moved did not reverse its old third quarter"
    fi
    t1=$(date +%s%N)
    echo "postgres-check: $month closed and booked: $rows rows loaded, $(( (t1 - t0) / 1000000 )) ms"
    previous=$month
done

# One close over every line must give the ledger the twelve nightly closes built.
"$rebate" close "$data" --month 2026-12 --out "$work/whole" --csv --quiet
sql -c "TRUNCATE staging_ledger" -c "\copy staging_ledger FROM '$work/whole/ledger.csv' (FORMAT csv, HEADER)"
check 2026-12 2026-11 "(SELECT agreement_id, period_start, period_end, accrued, paid FROM staging_ledger
        EXCEPT SELECT agreement_id, period_start, period_end, accrued, paid FROM rebate_ledger WHERE close_month = :'m')
    UNION ALL (SELECT agreement_id, period_start, period_end, accrued, paid FROM rebate_ledger WHERE close_month = :'m'
        EXCEPT SELECT agreement_id, period_start, period_end, accrued, paid FROM staging_ledger)" \
    "the database's ledger differs from one close over all the lines"
echo "postgres-check: $loaded lines, 12 months, $total_rows rows loaded back, ledger equals one close over all lines; $(($(date +%s) - started)) s in all"
