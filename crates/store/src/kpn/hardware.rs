//! Hardware enrolments (Apple DEP, Samsung Knox), returns and service-request attachments.
