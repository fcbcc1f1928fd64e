//! Giving freed memory back to the system.
//!
//! glibc's allocator keeps memory freed by many small allocations in its
//! arenas (one per thread that allocated) instead of returning it, so a
//! process that freed thousands of slots would keep their pages resident.

/// Returns the allocator's free memory to the system where that is possible
/// (glibc); elsewhere it does nothing.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
