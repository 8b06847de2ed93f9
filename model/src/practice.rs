//! What the practice suggests, offered to every new set as defaults: ground rules to
//! discuss and agree, the question bank, and meeting lengths. Taken from the practice's
//! texts (shared/practice/): the facilitator's how-to and the meeting structure guide.

use crate::question::QuestionCategory;

/// "Make sure the room booking is for at least three hours for the first session."
pub const FIRST_MEETING_MINUTES: u32 = 180;
/// "... and two hours for subsequent sessions."
pub const LATER_MEETING_MINUTES: u32 = 120;
/// Minutes set aside by default for the catch-up round.
pub const CATCH_UP_MINUTES: u32 = 15;
/// Minutes set aside by default for the review: "a few minutes for feedback".
pub const REVIEW_MINUTES: u32 = 15;

/// Ground rules the practice suggests, offered as proposals for the set to agree.
pub const SUGGESTED_GROUND_RULES: &[&str] = &[
    "Everything stays in the room.",
    "One person talks at a time.",
    "Treat all problems and issues equally.",
    "Be honest.",
    "Questioning, not interrogating.",
    "Value all responses.",
    "Commitment to attending, and having a really good reason if you can't.",
    "Everyone has a right to their time, but they don't have to take it.",
    "Everyone should be listened to.",
    "We offer each other support and challenge but avoid judgements.",
    "It is safe here to admit needs, weaknesses and mistakes.",
    "Punctuality: we start and finish on time.",
    "Each meeting starts with a bid for time.",
    "Achievements will be celebrated in an appropriate way.",
];

/// The practice's good questions for action learning, each with when it tends to help,
/// addressed to the presenter ("What am I trying to do?" is asked of them as "What are you
/// trying to do?").
pub const QUESTION_BANK: &[(QuestionCategory, &str)] = &[
    (
        QuestionCategory::Opening,
        "What do you want to get out of this session?",
    ),
    (QuestionCategory::Opening, "What are you trying to do?"),
    (
        QuestionCategory::Exploring,
        "Can you tell us the story as it happened?",
    ),
    (QuestionCategory::Exploring, "What happened?"),
    (
        QuestionCategory::Exploring,
        "What is stopping you from doing it?",
    ),
    (
        QuestionCategory::Exploring,
        "Who knows what you are trying to do?",
    ),
    (
        QuestionCategory::Exploring,
        "Who cares about what you're trying to do?",
    ),
    (
        QuestionCategory::Exploring,
        "How do other people in the situation (colleagues, friends, partners) feel about it?",
    ),
    (
        QuestionCategory::Exploring,
        "Why do you think you didn't get the outcome that you wanted?",
    ),
    (QuestionCategory::Feelings, "How did it make you feel?"),
    (
        QuestionCategory::Feelings,
        "How do you feel about what is going on?",
    ),
    (
        QuestionCategory::Feelings,
        "What have you learned from that?",
    ),
    (
        QuestionCategory::Feelings,
        "What questions does that raise?",
    ),
    (QuestionCategory::Options, "What can you do about it?"),
    (
        QuestionCategory::Options,
        "Who else can do anything to help?",
    ),
    (QuestionCategory::Options, "What could you do differently?"),
    (
        QuestionCategory::Options,
        "How would someone you most admire deal with this situation?",
    ),
    (
        QuestionCategory::Options,
        "Can you think of three options for action?",
    ),
    (
        QuestionCategory::Options,
        "What are the pros and cons of each of these options?",
    ),
    (
        QuestionCategory::Options,
        "What do you most need from us now?",
    ),
    (
        QuestionCategory::Options,
        "How can we help you move forwards on this issue?",
    ),
    (
        QuestionCategory::Commitment,
        "What first steps are you going to take before our next meeting?",
    ),
    (
        QuestionCategory::Commitment,
        "On a scale of 1 to 10, how likely are you to do this action?",
    ),
    (
        QuestionCategory::Process,
        "How can we make this set more effective?",
    ),
];
