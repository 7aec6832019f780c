"""Assessment use cases: authoring quizzes, questions and question banks, taking attempts, and
grading them (by hand, and again on a new key)."""

from lms_domain.assessment.entities import (
    BankChanges,
    NewQuestion,
    NewQuiz,
    Pool,
    QuestionChanges,
    QuizChanges,
)
from lms_domain.assessment.use_cases.attempts import GetAttempt, StartAttempt, SubmitAttempt
from lms_domain.assessment.use_cases.banks import (
    AddBankQuestion,
    CreateBank,
    DeleteBank,
    DeleteBankQuestion,
    GetBank,
    ListBankQuestions,
    ListBanks,
    UpdateBank,
    UpdateBankQuestion,
)
from lms_domain.assessment.use_cases.gradebook import ExportGradebook, GetGradebook
from lms_domain.assessment.use_cases.grading import (
    AttemptHistory,
    GradeAnswer,
    GradingQueue,
    RegradeQuestion,
    RegradeResult,
)
from lms_domain.assessment.use_cases.questions import AddQuestion, DeleteQuestion, UpdateQuestion
from lms_domain.assessment.use_cases.quizzes import (
    CreateQuiz,
    DeleteQuiz,
    GetQuiz,
    ListQuizzes,
    PublishQuiz,
    UpdateQuiz,
)

__all__ = [
    "AddBankQuestion",
    "AddQuestion",
    "AttemptHistory",
    "BankChanges",
    "CreateBank",
    "CreateQuiz",
    "DeleteBank",
    "DeleteBankQuestion",
    "DeleteQuestion",
    "DeleteQuiz",
    "ExportGradebook",
    "GetAttempt",
    "GetBank",
    "GetGradebook",
    "GetQuiz",
    "GradeAnswer",
    "GradingQueue",
    "ListBankQuestions",
    "ListBanks",
    "ListQuizzes",
    "NewQuestion",
    "NewQuiz",
    "Pool",
    "PublishQuiz",
    "QuestionChanges",
    "QuizChanges",
    "RegradeQuestion",
    "RegradeResult",
    "StartAttempt",
    "SubmitAttempt",
    "UpdateBank",
    "UpdateBankQuestion",
    "UpdateQuestion",
    "UpdateQuiz",
]
