//! How the process uses memory: transparent huge pages and mimalloc's
//! purge delay, set for each command by what it was measured to need
//! (issues 5, 8 and 27). `MIMALLOC_PURGE_DELAY` wins over what is set here.

/// No transparent huge pages for this process. mimalloc asks for them on
/// its arenas, and every fresh 2 MB page is zeroed when first touched: on an
/// audit of 6,000 tables a quarter of the CPU time went to the kernel
/// zeroing huge pages (perf: `clear_page_erms` under
/// `do_huge_pmd_anonymous_page`), and peak memory rose by 20 to 35 MB.
/// With 4 KiB pages the audit takes about 15% less CPU and the lint the
/// same; both use less memory (issues 5 and 8). This is what mimalloc's
/// `MIMALLOC_ALLOW_THP=0` does, done before the Rust runtime's first
/// allocation (from `.init_array`, see `main.rs`) because mimalloc reserves
/// its arena at that allocation, before it could read a setting.
///
/// A lint that starts from a checkpoint keeps them off too. With huge pages
/// it was faster only right after another such lint had freed its own
/// (0.12 against 0.17 s for `--only` at 6,000 tables); after any other
/// work, here a cold lint of the same project, the kernel spent its time
/// zeroing fresh huge pages (65% of the cycles in `clear_page_erms`), and
/// the warm lint took 0.56 s instead of 0.30 s, `--only` 0.32 s instead of
/// 0.16 s (medians of 6 to 7 runs, issue 27).
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        // The kernel reads each argument as an unsigned long.
        let (disable, unused): (libc::c_ulong, libc::c_ulong) = (1, 0);
        // SAFETY: PR_SET_THP_DISABLE takes one integer argument and only
        // sets a flag on this process; the unused arguments must be zero.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, disable, unused, unused, unused);
        }
    }
}

/// mimalloc (version 3) keeps freed memory for a second before it hands it
/// back to the system; a lint builds its model, drops the parse trees and
/// moves on well within that, so peak memory held both. At 10 ms, peak
/// memory fell from 80 to 65 MB on the 2,000-table bench project and from
/// 175 to 145 MB on the 6,000-table one, for about 0.06 s more system time
/// (issue 27). Not for `audit` and `drift`: reading a live catalog frees
/// far more as it goes, and there the purges cost 0.35 s of system time
/// at 6,000 tables (peak 198 to 174 MB). Nor for a lint that starts from
/// a checkpoint ([`for_warm_lint`]).
pub fn prompt_purge() {
    set_purge_delay(10);
}

/// For a lint that starts from a checkpoint: mimalloc's default purge
/// delay again. A cold lint frees its parse trees as it builds the model,
/// where the 10 ms delay above pays off; a warm lint instead allocates
/// most of its memory at once, reading the model back, and memory handed
/// back is faulted in again on reuse. After a cold lint of the 6,000-table
/// project, a warm lint took 0.30 s with the default delay and 0.34 s with
/// 10 ms (medians of 6 runs, issue 27).
pub(crate) fn for_warm_lint() {
    /// mimalloc 3's default purge delay, in milliseconds.
    const DEFAULT_DELAY: std::ffi::c_long = 1000;
    set_purge_delay(DEFAULT_DELAY);
}

/// Sets mimalloc's purge delay, unless `MIMALLOC_PURGE_DELAY` does.
fn set_purge_delay(ms: std::ffi::c_long) {
    // From mimalloc.h (version 3, which the mimalloc crate links): the
    // library is in the binary already, and libmimalloc-sys declares this
    // function only behind a feature that adds a crate.
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_purge_delay` in mimalloc 3's `mi_option_e`.
    const PURGE_DELAY: std::ffi::c_int = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: the signature is mimalloc's; it sets one option value,
        // which mimalloc reads atomically, and a delay in milliseconds
        // (10 or the default) is valid for this one.
        unsafe { mi_option_set(PURGE_DELAY, ms) }
    }
}
