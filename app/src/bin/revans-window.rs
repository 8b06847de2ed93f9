//! `revans-window`: the app's window with no console window behind it, for the Start
//! menu on Windows. Windows gives a console window to every program built for the
//! console, as `revans` is (it is the command line too, and a terminal needs it so); this
//! launcher is built for the desktop, and starts the `revans` installed beside it, with
//! the same arguments, asking Windows for no console window (`CREATE_NO_WINDOW`). It
//! waits for it, and exits as it did; if it failed, what it said on standard error (which
//! no console shows) is shown in a dialog. Elsewhere no console is given, and it only
//! starts `revans` the same way.

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::io::Write as _;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let program = if cfg!(windows) {
        "revans.exe"
    } else {
        "revans"
    };
    let revans = match std::env::current_exe() {
        Ok(me) => me.with_file_name(program),
        Err(e) => return failed(&format!("Could not find where Revans is installed: {e}.")),
    };
    let mut command = Command::new(&revans);
    command.args(std::env::args_os().skip(1));
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt as _;
        /// The new process has no console window (winbase.h).
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        command.creation_flags(CREATE_NO_WINDOW);
    }
    // Its standard error is kept, to be shown if it fails (`output` reads both pipes as
    // they fill, so the app never waits on one).
    let out = match command.output() {
        Ok(out) => out,
        Err(e) => {
            return failed(&format!(
                "Could not start {}: {e}. Installing Revans again puts it back.",
                revans.display()
            ));
        }
    };
    let _ = std::io::stdout().write_all(&out.stdout);
    if out.status.success() {
        return ExitCode::SUCCESS;
    }
    let code = out
        .status
        .code()
        .map_or(1, |code| u8::try_from(code).unwrap_or(1));
    let said = String::from_utf8_lossy(&out.stderr);
    if said.trim().is_empty() {
        failed(&format!(
            "Revans stopped with an error (exit status {code})."
        ));
    } else {
        failed(said.trim());
    }
    ExitCode::from(code)
}

/// Says why Revans did not open: on standard error, and on Windows in a dialog, since
/// there the launcher has no console to print to.
fn failed(why: &str) -> ExitCode {
    eprintln!("{why}");
    if cfg!(windows) {
        rfd::MessageDialog::new()
            .set_level(rfd::MessageLevel::Error)
            .set_title("Revans could not open")
            .set_description(why)
            .show();
    }
    ExitCode::FAILURE
}
