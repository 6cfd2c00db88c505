//! Montgomery arithmetic modulo the fixed 3072-bit SRP prime N, without allocation, plus a
//! fixed-base comb table for g = 2. This is what makes the server's SRP cheap: `g^x` (every
//! verifier, every password check) and `g^b` (every SRP_B) become ~64 multiplications from the
//! table instead of a ~330-multiplication exponentiation, and the variable-base powers
//! (`v^u`, `(A·v^u)^b`) run a 5-bit sliding window over stack-allocated limbs, squarings
//! through a dedicated square-then-reduce (the cross products computed once).
//! Not constant time (a local emulator). Checked against `num_bigint::BigUint::modpow` by the
//! unit tests and the SRP vectors.

use num_bigint::BigUint;

/// 64-bit limbs in N (3072 bits).
const L: usize = 48;
type Limbs = [u64; L];

/// Bits of exponent the fixed-base table covers.
const COMB_BITS: usize = 256;
const COMB_WINDOWS: usize = COMB_BITS / 4;

/// A fixed-base comb table of one base: `rows[w][d] = base^(d·16^w)` in Montgomery form
/// (64 × 16 values, 384 KiB), for exponents up to 256 bits.
pub struct Comb(Vec<[Limbs; 16]>);

impl std::fmt::Debug for Comb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comb").field("windows", &self.0.len()).finish()
    }
}

/// Precomputed Montgomery constants of N and the comb table of g.
pub struct Monty {
    n: Limbs,
    n0inv: u64,
    r2: Limbs,
    one: Limbs,
    /// The comb table of g.
    table: Comb,
}

fn to_limbs(x: &BigUint) -> Limbs {
    let mut out = [0u64; L];
    for (o, d) in out.iter_mut().zip(x.iter_u64_digits()) {
        *o = d;
    }
    out
}

fn from_limbs(x: &Limbs) -> BigUint {
    let mut bytes = Vec::with_capacity(L * 8);
    for d in x.iter().rev() {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    BigUint::from_bytes_be(&bytes)
}

fn geq(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..L).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn sub_in_place(a: &mut Limbs, b: &Limbs) {
    let mut borrow = 0u64;
    for i in 0..L {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        a[i] = d2;
        borrow = u64::from(b1 | b2);
    }
}

impl Monty {
    /// Constants for the odd modulus `n` (which must fit 3072 bits) and base `g`.
    pub fn new(n: &BigUint, g: &BigUint) -> Self {
        let nl = to_limbs(n);
        // -n^{-1} mod 2^64 by Newton iteration (n is odd).
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(nl[0].wrapping_mul(inv)));
        }
        let r = BigUint::from(1u8) << (64 * L);
        let r2 = to_limbs(&((&r * &r) % n));
        let one = to_limbs(&(&r % n));
        let mut m = Self { n: nl, n0inv: inv.wrapping_neg(), r2, one, table: Comb(Vec::new()) };
        m.table = m.comb(g);
        m
    }

    /// The comb table of `base` (about 1,000 multiplications to build).
    pub fn comb(&self, base: &BigUint) -> Comb {
        let mut base = self.to_mont(&(base % from_limbs(&self.n)));
        let mut rows = Vec::with_capacity(COMB_WINDOWS);
        for _ in 0..COMB_WINDOWS {
            let mut row = [self.one; 16];
            for d in 1..16 {
                row[d] = self.mul(&row[d - 1], &base);
            }
            // base^16 for the next window.
            base = self.mul(&row[15], &base);
            rows.push(row);
        }
        Comb(rows)
    }

    /// `base^e mod n` from `base`'s comb table; `None` above 256-bit exponents.
    pub fn pow_comb(&self, comb: &Comb, e: &BigUint) -> Option<BigUint> {
        if e.bits() as usize > COMB_BITS {
            return None;
        }
        let digits: Vec<u64> = e.iter_u64_digits().collect();
        let mut acc = self.one;
        for (w, row) in comb.0.iter().enumerate() {
            let (limb, shift) = (w * 4 / 64, w * 4 % 64);
            let d = digits.get(limb).map_or(0, |x| (x >> shift) & 0xf) as usize;
            if d != 0 {
                acc = self.mul(&acc, &row[d]);
            }
        }
        Some(self.out_of_mont(&acc))
    }

    /// Montgomery product `a·b·R⁻¹ mod n` (multiplication and reduction fused in one pass
    /// per limb of `b`), inputs and output below n.
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let n = &self.n;
        let mut t = [0u64; L + 1];
        for &bi in b.iter() {
            let bi = u128::from(bi);
            let s = u128::from(t[0]) + u128::from(a[0]) * bi;
            let lo = s as u64;
            let mut c1 = (s >> 64) as u64;
            let m = u128::from(lo.wrapping_mul(self.n0inv));
            let mut c2 = ((u128::from(lo) + m * u128::from(n[0])) >> 64) as u64;
            for j in 1..L {
                let s1 = u128::from(t[j]) + u128::from(a[j]) * bi + u128::from(c1);
                c1 = (s1 >> 64) as u64;
                let s2 = u128::from(s1 as u64) + m * u128::from(n[j]) + u128::from(c2);
                t[j - 1] = s2 as u64;
                c2 = (s2 >> 64) as u64;
            }
            let s = u128::from(t[L]) + u128::from(c1) + u128::from(c2);
            t[L - 1] = s as u64;
            t[L] = (s >> 64) as u64;
        }
        let mut r = [0u64; L];
        r.copy_from_slice(&t[..L]);
        if t[L] != 0 || geq(&r, n) {
            sub_in_place(&mut r, n);
        }
        r
    }

    fn to_mont(&self, x: &BigUint) -> Limbs {
        self.mul(&to_limbs(x), &self.r2)
    }

    fn out_of_mont(&self, x: &Limbs) -> BigUint {
        let mut one = [0u64; L];
        one[0] = 1;
        from_limbs(&self.mul(x, &one))
    }

    /// `g^e mod n` from the comb table (falls back to [`Monty::pow`] above 256-bit exponents).
    pub fn pow_g(&self, e: &BigUint) -> BigUint {
        match self.pow_comb(&self.table, e) {
            Some(r) => r,
            None => self.pow(&self.out_of_mont(&self.table.0[0][1]), e),
        }
    }

    /// `base^e mod n` (`base` is reduced first), see [`Monty::pow_mont`].
    pub fn pow(&self, base: &BigUint, e: &BigUint) -> BigUint {
        let b = self.to_mont(&(base % from_limbs(&self.n)));
        self.out_of_mont(&self.pow_mont(&b, e))
    }

    /// `(x·y)^e mod n` for `x, y < n` without leaving Montgomery form in between.
    pub fn pow_of_product(&self, x: &BigUint, y: &BigUint, e: &BigUint) -> BigUint {
        // mul(mont(x), y) = x·y·R·R⁻¹ = x·y, so one more to_mont gives mont(x·y).
        let xy = self.mul(&self.to_mont(x), &to_limbs(y));
        let b = self.mul(&xy, &self.r2);
        self.out_of_mont(&self.pow_mont(&b, e))
    }

    /// `b^e` in Montgomery form with a left-to-right 5-bit sliding window over the odd powers
    /// `b, b^3, …, b^31` (for a 256-bit exponent: 256 squarings and ~43 multiplications).
    fn pow_mont(&self, b: &Limbs, e: &BigUint) -> Limbs {
        const W: usize = 5;
        let bits = e.bits() as usize;
        if bits == 0 {
            return self.one;
        }
        let mut odd = [*b; 1 << (W - 1)];
        let b2 = self.sqr(b);
        for i in 1..odd.len() {
            odd[i] = self.mul(&odd[i - 1], &b2);
        }
        let bit = |k: usize| e.bit(k as u64);
        let mut acc: Option<Limbs> = None;
        let mut i = bits as isize - 1;
        while i >= 0 {
            let top = i as usize;
            if !bit(top) {
                acc = acc.map(|a| self.sqr(&a));
                i -= 1;
                continue;
            }
            // The longest window of at most W bits from `top` down that ends in a one.
            let mut low = top.saturating_sub(W - 1);
            while !bit(low) {
                low += 1;
            }
            let mut d = 0usize;
            for k in (low..=top).rev() {
                d = (d << 1) | usize::from(bit(k));
            }
            acc = Some(match acc {
                None => odd[d >> 1],
                Some(mut a) => {
                    for _ in low..=top {
                        a = self.sqr(&a);
                    }
                    self.mul(&a, &odd[d >> 1])
                }
            });
            i = low as isize - 1;
        }
        acc.unwrap_or(self.one)
    }

    /// Montgomery square `a²·R⁻¹ mod n`: the cross products once, doubled, plus the
    /// diagonal, then one reduction pass (about 3/4 of a [`Monty::mul`]).
    fn sqr(&self, a: &Limbs) -> Limbs {
        let mut t = [0u64; 2 * L];
        for i in 0..L {
            let ai = u128::from(a[i]);
            let mut c = 0u64;
            for j in i + 1..L {
                let s = ai * u128::from(a[j]) + u128::from(t[i + j]) + u128::from(c);
                t[i + j] = s as u64;
                c = (s >> 64) as u64;
            }
            t[i + L] = c;
        }
        let mut hi = 0u64;
        for x in t.iter_mut() {
            let nx = (*x << 1) | hi;
            hi = *x >> 63;
            *x = nx;
        }
        let mut c = 0u128;
        for i in 0..L {
            let sq = u128::from(a[i]) * u128::from(a[i]);
            let lo = u128::from(t[2 * i]) + (sq as u64 as u128) + c;
            t[2 * i] = lo as u64;
            let h = u128::from(t[2 * i + 1]) + (sq >> 64) + (lo >> 64);
            t[2 * i + 1] = h as u64;
            c = h >> 64;
        }
        self.redc(&mut t)
    }

    /// Montgomery reduction of a double-width `t < n·R`: `t·R⁻¹ mod n`.
    fn redc(&self, t: &mut [u64; 2 * L]) -> Limbs {
        let n = &self.n;
        let mut top = 0u64;
        for i in 0..L {
            let m = u128::from(t[i].wrapping_mul(self.n0inv));
            let mut c = 0u64;
            for j in 0..L {
                let s = m * u128::from(n[j]) + u128::from(t[i + j]) + u128::from(c);
                t[i + j] = s as u64;
                c = (s >> 64) as u64;
            }
            let s = u128::from(t[i + L]) + u128::from(c) + u128::from(top);
            t[i + L] = s as u64;
            top = (s >> 64) as u64;
        }
        let mut r = [0u64; L];
        r.copy_from_slice(&t[L..]);
        if top != 0 || geq(&r, n) {
            sub_in_place(&mut r, n);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_num_bigint_modpow() {
        let (n, g) = (crate::srp::n(), crate::srp::g());
        let m = Monty::new(n, g);
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in [0usize, 1, 8, 31, 32, 33, 128, 400] {
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let e = BigUint::from_bytes_be(&bytes);
            assert_eq!(m.pow_g(&e), g.modpow(&e, n), "g^e, {len} bytes");
            let base = BigUint::from_bytes_be(&(0..400).map(|_| next() as u8).collect::<Vec<_>>());
            assert_eq!(m.pow(&base, &e), base.modpow(&e, n), "b^e, {len} bytes");
            let comb = m.comb(&base);
            assert_eq!(m.pow_comb(&comb, &e), (len <= 32).then(|| base.modpow(&e, n)), "comb, {len} bytes");
        }
        let x = BigUint::from_bytes_be(&(0..384).map(|_| next() as u8).collect::<Vec<_>>()) % n;
        let y = BigUint::from_bytes_be(&(0..384).map(|_| next() as u8).collect::<Vec<_>>()) % n;
        let e = BigUint::from_bytes_be(&[0xa5; 32]);
        assert_eq!(m.pow_of_product(&x, &y, &e), (&x * &y % n).modpow(&e, n));
        let xl = to_limbs(&x);
        assert_eq!(m.sqr(&xl), m.mul(&xl, &xl));
        let nm1 = n - 1u8;
        assert_eq!(m.sqr(&to_limbs(&nm1)), m.mul(&to_limbs(&nm1), &to_limbs(&nm1)));
        assert_eq!(m.pow(&nm1, &BigUint::from(2u8)), BigUint::from(1u8));
        assert_eq!(m.pow(n, &BigUint::from(5u8)), BigUint::ZERO);
    }
}
