import CommandLineOptions
import RebateEngine

/// `rebate close`: the month-end close of SPEC section 8.
let close = Subcommand(
    spec: CommandSpec(
        name: "rebate close",
        overview:
            "Close a month: recompute everything as of the month's last day, compare it with\nwhat the ledger holds, and write the journal entries and payments that bring the books level.",
        arguments: [CommonOptions.dataset],
        options: [
            .value("--month", "yyyy-mm", "The month to close; the as-of date is its last day."),
            .value(
                "--out", "dir",
                "Folder for accrue's outputs plus journal.csv, payments.csv and\nledger.csv, the ledger to give the next close (created if needed)."
            ),
            .value(
                "--ledger", "file",
                "What the books hold: ledger.csv of the previous close\n(default: nothing is booked yet)."),
            .value(
                "--claims", "file",
                "Every claim received so far (claim_id,beneficiary,agreement_id,\nperiod_start,period_end,submitted,amount); on_claim agreements are paid\nwhat their claims are approved, and claims.csv says why (default: nothing is claimed)."
            ),
            CommonOptions.threads, CommonOptions.maxRejects, CommonOptions.csv, CommonOptions.quiet,
        ],
        required: ["--month", "--out"],
        discussion:
            "A bad ledger row stops the close before anything is written (exit 2), naming its line,\ncolumn and reason. Closing again with the ledger.csv just written books nothing."
    ),
    summary: "Month-end close: journal entries, payments and the new ledger."
) { args in
    let text = args.required("--month")
    guard text.utf8.count == 7, let month = CivilDate(text + "-01") else {
        args.usage("--month takes a month YYYY-MM (1900...2999), not '\(text)'")
    }
    let out = args.required("--out")
    let quiet = args.flag("--quiet")
    let options = AccrualOptions(threads: args.threads, progress: display.progress)
    display.start(quiet: quiet)
    do throws(RebateError) {
        let outcome = try CloseJob.run(
            dataset: args.positional[0], month: month, ledger: args.value("--ledger"), claims: args.value("--claims"),
            outputFolder: out,
            options: options, maxRejects: args.count("--max-rejects") ?? 0, columnar: !args.flag("--csv"))
        display.stop()
        printWarnings(outcome.loaded, quiet: quiet)
        guard !quiet, let close = outcome.close else { return }
        let d = close.report.decimals
        let money = { (v: Money) in v.text(decimals: d, currency: close.report.currency) }
        let t = close.totals
        let paid = close.payments.filter { $0.amount > .zero }.reduce(Money.zero) { $0 + $1.amount }
        let clawed = close.payments.filter { $0.amount < .zero }.reduce(Money.zero) { $0 - $1.amount }
        print(
            "closed \(close.month.monthText) as of \(close.asOf): \(close.journal.count) journal entr\(close.journal.count == 1 ? "y" : "ies"), debits = credits = \(money(t.debits))"
        )
        print("accrual entries \(money(t.accrualEntries)), settlement entries \(money(t.settlementEntries))")
        print("\(close.payments.count) payments: pay \(money(paid)), claw back \(money(clawed))")
        print(
            "ledger: accrued \(money(t.accruedBefore)) -> \(money(t.accruedAfter)), paid \(money(t.paidBefore)) -> \(money(t.paidAfter))"
        )
        if let claims = close.claims {
            let counts = ClaimStatus.allCases.map { "\(claims.totals($0).count) \($0.rawValue)" }
            print("\(claims.decisions.count) claims received: " + counts.joined(separator: ", "))
        }
        print(
            "wrote \(out)/journal.csv, payments.csv, ledger.csv\(close.claims == nil ? "" : ", claims.csv") and accrue's outputs"
        )
    } catch {
        report(error)
    }
}
