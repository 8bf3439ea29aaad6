/// Pointers to the five columns (and the currency column, when there is one), valid only inside the
/// call that made them. Parallel workers get them through ``UnsafeTransfer``.
struct ColumnPointers {
    let partner: UnsafeBufferPointer<Int32>
    let product: UnsafeBufferPointer<Int32>
    let day: UnsafeBufferPointer<Int32>
    let quantity: UnsafeBufferPointer<Int64>
    let amount: UnsafeBufferPointer<Int64>
    /// Each line's currency (0: the book currency, `k`: listed currency `k - 1`); `nil` when every line is in the book currency.
    var currency: UnsafeBufferPointer<UInt8>? = nil

    /// The number of lines.
    var count: Int { partner.count }

    /// The lines `range` of these columns.
    func slice(_ range: Range<Int>) -> ColumnPointers {
        ColumnPointers(
            partner: UnsafeBufferPointer(rebasing: partner[range]),
            product: UnsafeBufferPointer(rebasing: product[range]),
            day: UnsafeBufferPointer(rebasing: day[range]), quantity: UnsafeBufferPointer(rebasing: quantity[range]),
            amount: UnsafeBufferPointer(rebasing: amount[range]),
            currency: currency.map { UnsafeBufferPointer(rebasing: $0[range]) })
    }
}

struct MutableColumnPointers {
    let partner: UnsafeMutableBufferPointer<Int32>
    let product: UnsafeMutableBufferPointer<Int32>
    let day: UnsafeMutableBufferPointer<Int32>
    let quantity: UnsafeMutableBufferPointer<Int64>
    let amount: UnsafeMutableBufferPointer<Int64>
    var currency: UnsafeMutableBufferPointer<UInt8>? = nil
}

extension TransactionColumns {
    func withUnsafeColumns<R>(_ body: (ColumnPointers) -> R) -> R {
        if let m = mapping {
            return withExtendedLifetime(m) { body(m.columns) }
        }
        return partnerStorage.withUnsafeBufferPointer { partner in
            productStorage.withUnsafeBufferPointer { product in
                dayStorage.withUnsafeBufferPointer { day in
                    quantityStorage.withUnsafeBufferPointer { quantity in
                        amountStorage.withUnsafeBufferPointer { amount in
                            currencyStorage.withUnsafeBufferPointer { currency in
                                body(
                                    ColumnPointers(
                                        partner: partner, product: product, day: day, quantity: quantity,
                                        amount: amount, currency: currency.isEmpty ? nil : currency))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with the columns of every one of `parts`, each valid for the whole call.
    static func withUnsafeColumns<R>(of parts: [TransactionColumns], _ body: ([ColumnPointers]) -> R) -> R {
        var views: [ColumnPointers] = []
        views.reserveCapacity(parts.count)
        // One nested scope a part, so every part's pointers are valid inside `body`.
        func nest(_ k: Int) -> R {
            guard k < parts.count else { return body(views) }
            return parts[k].withUnsafeColumns { c in
                views.append(c)
                return nest(k + 1)
            }
        }
        return nest(0)
    }

    mutating func withUnsafeMutableColumns<R>(_ body: (MutableColumnPointers) -> R) -> R {
        materialize()
        checkedFor = nil
        partnerStarts = nil
        return partnerStorage.withUnsafeMutableBufferPointer { partner in
            productStorage.withUnsafeMutableBufferPointer { product in
                dayStorage.withUnsafeMutableBufferPointer { day in
                    quantityStorage.withUnsafeMutableBufferPointer { quantity in
                        amountStorage.withUnsafeMutableBufferPointer { amount in
                            currencyStorage.withUnsafeMutableBufferPointer { currency in
                                body(
                                    MutableColumnPointers(
                                        partner: partner, product: product, day: day, quantity: quantity,
                                        amount: amount, currency: currency.isEmpty ? nil : currency))
                            }
                        }
                    }
                }
            }
        }
    }
}

extension TransactionColumns {
    /// Columns of `n` lines with uninitialized storage, to be filled through ``withUnsafeMutableColumns(_:)``;
    /// with `currency`, a currency column too.
    ///
    /// The storage is not advised for transparent huge pages. It was until 2026-12-01, when a CPU with
    /// a 2 MiB L2 showed the cost: the first write to a huge page clears all 2 MiB of it, as much as
    /// that L2 holds, in the middle of the grouping's scatter. On the large preset the clearing took a
    /// quarter of all CPU samples; with 4 KiB pages `rebate validate` ran 14 % faster there (system
    /// time 6.7 → 2.7 s), and the medium preset did not change.
    static func uninitialized(count n: Int, currency: Bool = false) -> TransactionColumns {
        var c = TransactionColumns()
        c.partnerStorage = [Int32].uninitialized(count: n)
        c.productStorage = [Int32].uninitialized(count: n)
        c.dayStorage = [Int32].uninitialized(count: n)
        c.quantityStorage = [Int64].uninitialized(count: n)
        c.amountStorage = [Int64].uninitialized(count: n)
        if currency, n > 0 { c.currencyStorage = [UInt8].uninitialized(count: n) }
        return c
    }
}
