"""Assessment use cases: authoring quizzes and questions, taking and grading attempts."""

from lms_domain.assessment.entities import NewQuestion, NewQuiz, QuestionChanges, QuizChanges
from lms_domain.assessment.use_cases.attempts import GetAttempt, StartAttempt, SubmitAttempt
from lms_domain.assessment.use_cases.gradebook import ExportGradebook, GetGradebook
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
    "AddQuestion",
    "CreateQuiz",
    "DeleteQuestion",
    "DeleteQuiz",
    "ExportGradebook",
    "GetAttempt",
    "GetGradebook",
    "GetQuiz",
    "ListQuizzes",
    "NewQuestion",
    "NewQuiz",
    "PublishQuiz",
    "QuestionChanges",
    "QuizChanges",
    "StartAttempt",
    "SubmitAttempt",
    "UpdateQuestion",
    "UpdateQuiz",
]
