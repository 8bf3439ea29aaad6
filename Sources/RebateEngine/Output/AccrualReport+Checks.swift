extension AccrualReport {
    /// Checks the promises the outputs make to each other; a failure means a bug, not bad input.
    ///
    /// - Postings of every settled period add up to exactly what it earned.
    /// - Every accrual row's posting is the change of its accrued value.
    /// - Throws: ``RebateError/invariantViolated(_:)``.
    public func verifyInvariants() throws(RebateError) {
        var postings: [String: Money] = [:]
        var previous: (key: String, accrued: Money)?
        for row in accruals {
            let key = row.agreementID + "\u{0}" + row.periodStart.description
            postings[key, default: .zero] += row.posting
            let expected = previous?.key == key ? row.accruedToDate - previous!.accrued : row.accruedToDate
            if expected != row.posting {
                throw .invariantViolated(
                    "posting of \(row.agreementID) \(row.month.monthText) is not the change of its accrual")
            }
            previous = (key, row.accruedToDate)
        }
        for s in settlements {
            let key = s.agreementID + "\u{0}" + s.periodStart.description
            if postings[key, default: .zero] != s.earned {
                throw .invariantViolated(
                    "postings of \(s.agreementID) \(s.periodStart)...\(s.periodEnd) do not add up to its settlement")
            }
        }
    }
}
