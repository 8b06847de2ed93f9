//! `revans-window`: the app's window with no console window behind it, for the Start
//! menu on Windows. Windows gives a console window to every program built for the
//! console, as `revans` is (it is the command line too, and a terminal needs it so); this
//! launcher is built for the desktop, and starts the `revans` installed beside it, with
//! the same arguments, asking Windows for no console window (`CREATE_NO_WINDOW`). It
//! waits for it, and exits as it did. Elsewhere no console is given, and it only starts
//! `revans` the same way.

#![cfg_attr(windows, windows_subsystem = "windows")]

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
    match command.status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .map_or(1, |code| u8::try_from(code).unwrap_or(1)),
        ),
        Err(e) => failed(&format!(
            "Could not start {}: {e}. Installing Revans again puts it back.",
            revans.display()
        )),
    }
}

/// Says why Revans did not open: on standard error, and in a dialog, since on Windows the
/// launcher has no console to print to.
fn failed(why: &str) -> ExitCode {
    eprintln!("{why}");
    rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("Revans could not open")
        .set_description(why)
        .show();
    ExitCode::FAILURE
}
