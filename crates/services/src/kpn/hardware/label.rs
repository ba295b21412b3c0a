//! The return label of a hardware return: what goes back, from which order, and where to.

use sentral_domain::kpn::KpnChange;
use sentral_domain::kpn::hardware::HardwareChange;

use crate::kpn::contracting_orders::OrderedHardware;
use crate::kpn::finances::pdf::{Line, text_pdf};
use crate::kpn::track::Tracked;

pub(super) fn render(
    customer_name: &str,
    tracked: &Tracked,
    hardware: &[OrderedHardware],
) -> Vec<u8> {
    let number = tracked.order.id.as_str();
    let mut page = vec![
        Line::bold(format!("KPN return label - service request {number}")),
        Line::plain(""),
        Line::plain(format!("KPN reference: {}", tracked.record.kpn_reference)),
        Line::plain(format!(
            "Customer reference: {}",
            tracked.record.reference_number
        )),
        Line::plain(format!(
            "From: {customer_name}, {}",
            tracked.record.context_name
        )),
        Line::plain("To: KPN Retourcentrum, Antwoordnummer 10000, 9700 VB Groningen"),
        Line::plain(""),
    ];
    if let KpnChange::Hardware(HardwareChange::Return {
        order_id,
        items,
        reason,
        remarks,
        email,
    }) = &tracked.record.change
    {
        page.push(Line::plain(format!("Delivered with order: {order_id}")));
        page.push(Line::plain(format!("Reason: {reason}")));
        if let Some(remarks) = remarks {
            page.push(Line::plain(format!("Remarks: {remarks}")));
        }
        if let Some(email) = email {
            page.push(Line::plain(format!("Confirmation to: {email}")));
        }
        page.push(Line::plain(""));
        page.push(Line::bold("Hardware to return"));
        for item in items {
            let piece = hardware
                .iter()
                .find(|h| h.item.as_ref().is_some_and(|i| i.id == *item));
            let name = piece.map(|h| h.line.name_en.as_str()).unwrap_or("hardware");
            let serial = piece
                .and_then(|h| h.serial_number.as_deref())
                .map(|s| format!(", serial {s}"))
                .unwrap_or_default();
            page.push(Line::plain(format!("Item {item}: {name}{serial}")));
        }
    }
    page.push(Line::plain(""));
    page.push(Line::plain(format!(
        "Stick this label on the box; quote {number} in any contact."
    )));
    text_pdf(&format!("Return label {number}"), &page)
}
