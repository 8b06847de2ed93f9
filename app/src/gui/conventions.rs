//! What people expect of a desktop app, driven by labels as a person would: a ticket read
//! off the screen as a QR code, and a set restored from a backup by the system's dialog
//! or by dropping the file on the window, shortcuts, and a workplace's proxy saved in
//! the app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use egui_kittest::kittest::Queryable as _;

use super::tests::{
    Answers, app, click, profile_and_set, scene, see, see_text, settled, type_into, until,
};

/// The ticket, shown as a QR code, reads back as the very ticket: a phone or laptop in
/// the room can take it off the screen.
#[test]
fn a_ticket_shows_as_a_qr_code_that_reads_back_as_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "People and sync");
    type_into(&mut h, "Who is it for", "Bo");
    click(&mut h, "Make invitation ticket");
    settled(&mut h);
    click(&mut h, "Show as a QR code");
    see(&mut h, "QR code of the ticket");
    let ticket = h.state().shell.tickets["invite"].text.clone();
    let rect = h.get_by_label("QR code of the ticket").rect();
    let scale = h.ctx.pixels_per_point();
    let image = h.render().unwrap();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let [x0, y0, x1, y1] =
        [rect.min.x, rect.min.y, rect.max.x, rect.max.y].map(|v| (v * scale).round() as u32);
    let (width, height) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        #[allow(clippy::cast_possible_truncation)]
        let pixel = image.get_pixel(x0 + x as u32, y0 + y as u32);
        pixel[0]
    });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on screen");
    let (_, read) = grids[0].decode().unwrap();
    assert_eq!(read, ticket);
}

/// A file dropped on the window, as egui hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A signed backup is restored from the app: chosen in the system's dialog on the start
/// screen, or dropped on the window; a file that is not a backup is refused in words.
#[test]
fn a_backup_is_restored_by_the_dialog_or_by_dropping_it_on_the_window() {
    let root = tempfile::tempdir().unwrap();
    let mut ada = app(&root.path().join("ada"));
    profile_and_set(&mut ada, "Ada");
    let (node, set) = scene(&ada);
    let runtime = ada.state().shell.runtime.clone();
    let backup = root.path().join("Tuesday set.revans");
    std::fs::write(&backup, runtime.block_on(node.backup(&set)).unwrap()).unwrap();
    let key = std::fs::read(node.data_dir().join("device.key")).unwrap();
    drop(ada);

    // Ada's device after its set's files were lost: its key, and nothing else.
    for dropping in [false, true] {
        let dir = root
            .path()
            .join(if dropping { "dropped" } else { "chosen" });
        revans_sync::data_dir::DataDir::make_private(&dir).unwrap();
        std::fs::write(dir.join("device.key"), &key).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(
                dir.join("device.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        let mut h = app(&dir);
        type_into(&mut h, "Your name", "Ada");
        click(&mut h, "Save profile");
        settled(&mut h);
        see(&mut h, "Restore a set from a backup");
        if dropping {
            let not_a_backup = root.path().join("notes.txt");
            std::fs::write(&not_a_backup, "hello").unwrap();
            h.input_mut()
                .dropped_files
                .push(Arc::new(Dropped(not_a_backup)));
            h.step();
            see_text(&mut h, "is not a Revans backup");
            h.input_mut()
                .dropped_files
                .push(Arc::new(Dropped(backup.clone())));
            h.step();
        } else {
            h.state_mut().shell.desktop = Box::new(Answers {
                folder: None,
                backup: Some(backup.clone()),
                opened: Arc::new(Mutex::new(Vec::new())),
            });
            click(&mut h, "Choose a backup file…");
        }
        until(&mut h, "the set restored", |h| {
            h.state().shell.selected.as_ref() == Some(&set)
        });
        see(&mut h, "Tuesday set");
    }
}

/// On a laptop whose function keys are media keys, Ctrl+Shift (Cmd+Shift on a Mac) with
/// a letter does what the function key does: N moves the meeting on, as F8 does.
#[test]
fn ctrl_shift_letters_stand_beside_the_function_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let meeting = super::tests::plan_now(&h);
    click(&mut h, "Meeting console");
    see(&mut h, "Move on to Catch-up");
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::N,
    );
    h.step();
    settled(&mut h);
    let (node, set) = scene(&h);
    assert_eq!(
        node.set(&set).unwrap().meetings[&meeting].phase,
        revans_model::Phase::CatchUp
    );
}

/// Behind a workplace proxy: saved in People and sync, the app reconnects through it at
/// once and says where it came from; one that is not an HTTP(S) proxy is refused in
/// words, and nothing is saved.
#[test]
fn a_proxy_saved_in_the_app_is_used_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "People and sync");
    type_into(&mut h, "HTTP(S) proxy", "socks5://127.0.0.1:1080");
    click(&mut h, "Save and reconnect");
    see_text(
        &mut h,
        "Not saved: the proxy socks5://127.0.0.1:1080 is not an HTTP(S) proxy",
    );
    // Held only while asked: the node restarts once the data directory is its alone.
    assert_eq!(scene(&h).0.saved_proxy().unwrap(), None);
    // The person clears the box and names the proxy IT gave them.
    h.state_mut().shell.field("proxy").clear();
    type_into(&mut h, "HTTP(S) proxy", "127.0.0.1:3128");
    // Work in hand (here the test's own hold on the node) delays the node's stop: the
    // window goes on drawing meanwhile, and the node starts again once it is let go.
    let work_in_hand = scene(&h).0;
    click(&mut h, "Save and reconnect");
    see(&mut h, "Opening your sets…");
    drop(work_in_hand);
    see(
        &mut h,
        "Relays are reached through the proxy 127.0.0.1:3128 (from the settings).",
    );
    let (node, _) = scene(&h);
    assert_eq!(
        node.saved_proxy().unwrap().as_deref(),
        Some("127.0.0.1:3128")
    );
    assert_eq!(
        node.proxy(),
        Some(("127.0.0.1:3128".to_owned(), revans_sync::FROM_SETTINGS))
    );
    // The set is still there after reconnecting.
    see(&mut h, "Tuesday set");
}
