//! The sidebar: the sets this device holds, and adding another.

use egui::RichText;

use super::Shell;

impl Shell {
    /// The sets, each with its sync badge: how many members' devices hold our latest.
    pub(super) fn sets_panel(&mut self, ui: &mut egui::Ui) {
        ui.heading("Sets");
        ui.separator();
        let mut pick = None;
        for (id, set) in &self.sets {
            let (title, badge) = match set {
                Ok(set) => {
                    let status = self.sync.get(id);
                    let (current, all) = status.map_or((0, 0), |members| {
                        let others: Vec<_> = members
                            .iter()
                            .flat_map(|(_, d)| d.iter())
                            .filter(|d| !d.this_device)
                            .collect();
                        (others.iter().filter(|d| d.up_to_date).count(), others.len())
                    });
                    (set.name.clone(), format!("{current}/{all} devices current"))
                }
                Err(e) => (
                    format!("{} (damaged)", &id.as_str()[..6.min(id.as_str().len())]),
                    e.clone(),
                ),
            };
            let selected = self.selected.as_ref() == Some(id);
            let response = ui.selectable_label(selected, &title);
            ui.label(RichText::new(badge).small().weak());
            if response.clicked() {
                pick = Some(id.clone());
            }
            ui.add_space(4.0);
        }
        if let Some(id) = pick {
            // Another set opens as it is now.
            if self.selected.as_ref() != Some(&id) {
                self.past = None;
                self.editing = None;
            }
            self.selected = Some(id);
            self.adding = false;
        }
        ui.separator();
        if ui.button("New or join…").clicked() {
            self.selected = None;
            self.past = None;
            self.adding = true;
        }
    }
}
